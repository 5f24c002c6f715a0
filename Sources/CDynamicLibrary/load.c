#include "CDynamicLibrary.h"
#include <dlfcn.h>
#include <stdio.h>

int tsh_load_library(const char *library, const char *const *names, void **slots, size_t count,
                     char *failure, size_t failure_size) {
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        snprintf(failure, failure_size, "%s", why ? why : library);
        return 0;
    }
    for (size_t i = 0; i < count; i++) {
        slots[i] = dlsym(handle, names[i]);
        if (!slots[i]) {
            snprintf(failure, failure_size, "%s lacks %s", library, names[i]);
            dlclose(handle);
            return 0;
        }
    }
    return 1;
}
