#ifndef CFUZZERDRIVER_H
#define CFUZZERDRIVER_H

/// Runs libFuzzer on LLVMFuzzerTestOneInput (defined in Swift with @_cdecl).
/// SwiftPM renames an executable's entry point (`<Target>_main`, aliased to
/// `main` at link time), so libFuzzer's own `main` cannot be used: each target's
/// main.swift calls this instead.
/// Does not return: exits with libFuzzer's status.
void tsh_fuzzer_main(int argc, char **argv);

#endif
