#include "CCurl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/* One copy of the state for the whole process (a C file, not a static in an
   inline function, which every importing module would duplicate), filled
   once under pthread_once so that concurrent first calls are safe. */
static struct tsh_curl_api api;
static const struct tsh_curl_api *loaded;
static char failure[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(failure, sizeof failure, "%s", dlerror());
        return;
    }
#define TSH_SYM(field, name) \
    if (!(*(void **)&api.field = dlsym(h, name))) { \
        snprintf(failure, sizeof failure, "libcurl.so.4 lacks %s", name); \
        dlclose(h); \
        return; \
    }
    TSH_SYM(easy_init, "curl_easy_init")
    TSH_SYM(easy_setopt, "curl_easy_setopt")
    TSH_SYM(easy_perform, "curl_easy_perform")
    TSH_SYM(easy_cleanup, "curl_easy_cleanup")
    TSH_SYM(easy_getinfo, "curl_easy_getinfo")
    TSH_SYM(easy_strerror, "curl_easy_strerror")
    TSH_SYM(slist_append, "curl_slist_append")
    TSH_SYM(slist_free_all, "curl_slist_free_all")
    TSH_SYM(version_info, "curl_version_info")
#undef TSH_SYM
    loaded = &api;
}

const struct tsh_curl_api *tsh_curl(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *tsh_curl_error(void) {
    pthread_once(&once, load);
    return failure;
}
