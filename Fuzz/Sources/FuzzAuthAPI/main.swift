import CFuzzerDriver
import FuzzChecks

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzHarness.run(.authAPI, data, size)
}

tsh_fuzzer_main(CommandLine.argc, CommandLine.unsafeArgv)
