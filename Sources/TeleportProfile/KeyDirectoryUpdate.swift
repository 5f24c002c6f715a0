import TeleportKeys
import TeleportSupport

/// Replaces `keys/<proxyHost>/` as a whole, so that a crash at any moment
/// leaves either the old key set or the new one: never a new key beside an
/// old certificate. The new tree is staged beside the old one (unchanged
/// files are hard links, so nothing is copied), then the two directories are
/// swapped with one `renameat2(RENAME_EXCHANGE)`.
enum KeyDirectoryUpdate {
    static let stagingMarker = ".staging-"

    static func replace(_ keysDirectory: String, _ write: (_ staging: String) throws -> Void) throws {
        let parent = FileSystem.directory(of: keysDirectory)
        let name = FileSystem.base(of: keysDirectory)
        try FileSystem.makePrivateDirectory(parent)
        // What a killed run left behind.
        for entry in FileSystem.list(parent) where entry.hasPrefix(".\(name)\(stagingMarker)") {
            try FileSystem.removeTree(parent + "/" + entry)
        }
        let staging = "\(parent)/.\(name)\(stagingMarker)\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let existed = FileSystem.isDirectory(keysDirectory)
        if existed {
            try linkTree(from: keysDirectory, to: staging)
        } else {
            try FileSystem.makePrivateDirectory(staging)
        }
        do {
            try write(staging)
            if existed {
                guard Platform.exchangePaths(staging, keysDirectory) == 0 else {
                    throw FileSystem.error("cannot replace", keysDirectory)
                }
            } else {
                guard rename(staging, keysDirectory) == 0 else { throw FileSystem.error("cannot create", keysDirectory) }
            }
        } catch {
            try? FileSystem.removeTree(staging)
            throw error
        }
        FileSystem.syncDirectory(parent)
        // `staging` now holds the old tree.
        if existed { try FileSystem.removeTree(staging) }
    }

    /// Mirrors a tree with new directories and hard-linked files. Writers
    /// then replace files by rename, never touching the shared inodes.
    private static func linkTree(from source: String, to destination: String) throws {
        guard mkdir(destination, 0o700) == 0 else { throw FileSystem.error("cannot create", destination) }
        // A temporary is never part of a key set: one left by a killed
        // writer would otherwise be carried into every later set.
        for entry in FileSystem.list(source) where FileSystem.temporaryWriter(of: entry) == nil {
            let from = source + "/" + entry
            let to = destination + "/" + entry
            var st = stat()
            guard lstat(from, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                try linkTree(from: from, to: to)
            case S_IFREG:
                guard link(from, to) == 0 else { throw FileSystem.error("cannot link", to) }
            default:
                continue  // sockets and the like belong to running processes
            }
        }
    }
}
