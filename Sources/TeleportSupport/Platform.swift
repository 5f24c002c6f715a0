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
    /// Makes a spawned child close every descriptor from `fd` up, so that it
    /// inherits nothing of ours but what its file actions give it.
    package static func closeFrom(_ fd: Int32, in actions: inout posix_spawn_file_actions_t) {
        _ = posix_spawn_file_actions_addclosefrom_np(&actions, fd)
    }

    package static func exchangePaths(_ a: String, _ b: String) -> Int32 {
        tsh_exchange_paths(a, b)
    }
}
