#ifndef TSH_CDYNAMICLIBRARY_H
#define TSH_CDYNAMICLIBRARY_H
#include <stddef.h>

/* Opens `library` with dlopen and resolves `count` symbols, in order, into
   `slots`. Returns 1; or 0 with `failure` saying why (dlerror() as read right
   after the failing call) and the handle closed. Callers serialise it (the
   loaders call it once, under pthread_once). */
int tsh_load_library(const char *library, const char *const *names, void **slots, size_t count,
                     char *failure, size_t failure_size);
#endif
