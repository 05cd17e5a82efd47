import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ResultsStore {
    /// Marks `incomplete` every `running` run of this host whose process no longer exists.
    ///
    /// Called when the store opens. A process is gone when `kill(pid, 0)` fails with `ESRCH`; `EPERM` means it
    /// exists under another user, so the run is left alone. Runs of other hosts are never touched: their
    /// processes cannot be checked from here. A pid reused by an unrelated live process keeps the run
    /// `running`, which errs on the safe side: it is never reported as finished either way.
    ///
    /// - Returns: The number of runs marked.
    @discardableResult
    public func markAbandonedRunsIncomplete() throws -> Int {
        try write("cannot mark abandoned runs") { db in
            let candidates = try Row.fetchAll(
                db, sql: "SELECT id, pid FROM runs WHERE status = 'running' AND host = ?", arguments: [host])
            var marked = 0
            for row in candidates {
                let id: Int64 = row["id"]
                let runPID: Int64 = row["pid"]
                guard !ProcessLiveness.isAlive(pid: runPID) else { continue }
                try db.execute(
                    sql: "UPDATE runs SET status = 'incomplete', error_message = ? WHERE id = ? AND status = 'running'",
                    arguments: [
                        "process \(runPID) on \(host) ended without finishing the run (found on open by pid \(pid))",
                        id,
                    ])
                marked += db.changesCount
            }
            return marked
        }
    }
}

/// Host and process queries for crash detection.
enum ProcessLiveness {
    /// The host name from `gethostname`, or `unknown`.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func currentPID() -> Int64 { Int64(getpid()) }

    /// False only when the process certainly does not exist (`kill(pid, 0)` fails with `ESRCH`).
    static func isAlive(pid: Int64) -> Bool {
        guard pid > 0, pid <= Int64(Int32.max) else { return false }
        if kill(pid_t(pid), 0) == 0 { return true }
        return errno != ESRCH
    }
}
