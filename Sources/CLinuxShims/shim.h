#ifndef TSH_CSYSTEM_SHIM_H
#define TSH_CSYSTEM_SHIM_H
#include <fcntl.h>

/* renameat2 is a GNU extension that Swift's Glibc module does not declare. */
extern int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);

/* Atomically swaps two paths (Linux 3.15+, RENAME_EXCHANGE): a directory
   tree is replaced as a whole, so a crash leaves the old tree or the new. */
static inline int tsh_exchange_paths(const char *a, const char *b) {
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, 1U << 1 /* RENAME_EXCHANGE */);
}
#endif
