#ifndef TSH_CSYSTEM_SHIM_H
#define TSH_CSYSTEM_SHIM_H
#include <fcntl.h>
#include <spawn.h>

/* glibc 2.34+: close every descriptor from `fd` up in a spawned child. Not
   declared without _GNU_SOURCE, which Swift's Glibc module does not set. */
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int fd);

/* renameat2 is a GNU extension that Swift's Glibc module does not declare. */
extern int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);

/* Atomically swaps two paths (Linux 3.15+, RENAME_EXCHANGE): a directory
   tree is replaced as a whole, so a crash leaves the old tree or the new. */
static inline int tsh_exchange_paths(const char *a, const char *b) {
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, 1U << 1 /* RENAME_EXCHANGE */);
}
#endif
