import Foundation

/// The gnuplot executable, found on `PATH`, and run through `Foundation.Process`.
public struct Gnuplot: Sendable {
    /// The executable.
    public var url: URL

    /// Finds `gnuplot` on `PATH`.
    ///
    /// - Throws: ``PlotError/gnuplotMissing(_:)`` when there is none.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Gnuplot {
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("gnuplot")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return Gnuplot(url: candidate) }
        }
        throw PlotError.gnuplotMissing(
            "gnuplot not found on PATH (\(path)); install it with `apt-get install gnuplot-nox` (or `make deps`)")
    }

    /// Whether gnuplot has the named terminal (`gnuplot -e 'set terminal NAME'` succeeds).
    public func hasTerminal(_ name: String) -> Bool {
        guard let r = try? run(["-e", "set terminal \(name)"], in: nil) else { return false }
        return r.status == 0 && !r.stderr.contains("unknown")
    }

    /// The PNG terminal to use: `pngcairo` where present, else libgd's `png`.
    ///
    /// - Throws: ``PlotError/gnuplotMissing(_:)`` when neither exists.
    public func pngTerminal() throws -> String {
        if hasTerminal("pngcairo") { return "pngcairo" }
        if hasTerminal("png") { return "png" }
        throw PlotError.gnuplotMissing(
            "\(url.path) has neither the pngcairo nor the png terminal; install Debian's gnuplot-nox "
                + "(`apt-get install gnuplot-nox`), or plot with --format svg")
    }

    /// Runs a script file in `directory`.
    ///
    /// - Throws: ``PlotError/gnuplotFailed(script:status:stderr:)`` when gnuplot exits non-zero.
    /// - Returns: What gnuplot wrote to standard error (warnings), trimmed.
    @discardableResult
    public func runScript(_ script: String, in directory: URL) throws -> String {
        let r = try run([script], in: directory)
        guard r.status == 0 else { throw PlotError.gnuplotFailed(script: script, status: r.status, stderr: r.stderr) }
        return r.stderr
    }

    func run(_ arguments: [String], in directory: URL?) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = directory }
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch {
            throw PlotError.gnuplotMissing("cannot run \(url.path): \(error.localizedDescription)")
        }
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (
            p.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }
}
