// Linux (glibc) only, as the README says: the code uses /proc, renameat2 and
// glibc's spellings. This is the one place the C library is imported; every
// module that imports TeleportSupport sees it through this re-export.
@_exported import Glibc
import CLinuxShims

/// Linux calls beyond Swift's Glibc module.
package enum Platform {
    /// Atomically swaps two paths (renameat2 with RENAME_EXCHANGE, Linux
    /// 3.15+): a directory tree is replaced as a whole, so a crash leaves the
    /// old tree or the new. Returns 0, or -1 with errno set.
    /// Starts `arguments[0]` (found on PATH) with `actions`, the signal mask
    /// cleared and the termination signals at their defaults (tsh may ignore
    /// or catch them; its children must not inherit that), optionally in a
    /// process group of its own. Returns the pid, or the error number.
    package static func spawn(_ arguments: [String], actions: inout posix_spawn_file_actions_t,
                              ownProcessGroup: Bool = false) -> Result<pid_t, SpawnError> {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGPIPE, SIGHUP, SIGINT, SIGTERM, SIGQUIT] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        var cArgs: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let code = posix_spawnp(&pid, arguments[0], &actions, &attributes, &cArgs, environ)
        return code == 0 ? .success(pid) : .failure(SpawnError(code: code))
    }

    /// Why `posix_spawnp` failed: its error number.
    package struct SpawnError: Error {
        package let code: Int32
    }

    /// Makes a spawned child close every descriptor from `fd` up, so that it
    /// inherits nothing of ours but what its file actions give it.
    package static func closeFrom(_ fd: Int32, in actions: inout posix_spawn_file_actions_t) {
        _ = posix_spawn_file_actions_addclosefrom_np(&actions, fd)
    }

    package static func exchangePaths(_ a: String, _ b: String) -> Int32 {
        tsh_exchange_paths(a, b)
    }
}
