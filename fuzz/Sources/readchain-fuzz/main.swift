// The libFuzzer driver. FUZZ_TARGET names the target (FuzzTarget's cases); with FUZZ_EMIT_SEEDS=dir the binary
// writes that target's binary seed corpus into dir and exits instead of fuzzing. Every other argument is
// libFuzzer's (corpus directories, -max_total_time=…, a crash file to reproduce).
//
// SwiftPM gives an executable its own `main` (this file), so libFuzzer is entered through LLVMFuzzerRunDriver
// rather than through the `main` that -sanitize=fuzzer would otherwise link.

import Foundation
import FuzzHarness

@_silgen_name("LLVMFuzzerRunDriver")
func runLibFuzzer(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("readchain-fuzz: \(message)\n".utf8))
    exit(status)
}

let environment = ProcessInfo.processInfo.environment
guard let name = environment["FUZZ_TARGET"], let chosen = FuzzTarget(rawValue: name) else {
    fail("set FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))", status: 64)
}
nonisolated(unsafe) var target = chosen

if let directory = environment["FUZZ_EMIT_SEEDS"] {
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for (i, seed) in FuzzSeeds.binary(for: chosen).enumerated() {
        let path = "\(directory)/seed-\(i < 10 ? "0" : "")\(i)"
        guard FileManager.default.createFile(atPath: path, contents: Data(seed)) else {
            fail("cannot write \(path)", status: 73)
        }
    }
    exit(0)
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    runLibFuzzer(&argc, &argv) { data, size in
        let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        do {
            _ = try target.run(input)
        } catch {
            fatalError("property violated: \(error)")
        }
        return 0
    })
