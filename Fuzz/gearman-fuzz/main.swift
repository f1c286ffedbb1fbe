import Glibc

// The fuzz target's entry: libFuzzer's driver runs every input through `FuzzSession` (one
// session of simulated connections against a fresh server core). Built only by `scripts/fuzz`,
// with `-sanitize=fuzzer`, which links libFuzzer in.

/// One input; libFuzzer's own `main` calls it by this name.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    FuzzSession.run(start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? [])
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

// SwiftPM points `main` here; the driver is libFuzzer's `main` run as a function.
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv, fuzzOneInput))
