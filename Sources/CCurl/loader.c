#include "CCurl.h"
#include <CDynamicLibrary.h>
#include <pthread.h>
#include <string.h>

/* One copy of the state for the whole process (a C file, not a static in an
   inline function, which every importing module would duplicate), filled
   once under pthread_once so that concurrent first calls are safe. */
static const char *const names[] = {
    "curl_easy_init", "curl_easy_setopt", "curl_easy_perform", "curl_easy_cleanup", "curl_easy_getinfo",
    "curl_easy_strerror", "curl_slist_append", "curl_slist_free_all", "curl_version_info",
};
/* The table's fields are these function pointers, in this order. */
_Static_assert(sizeof(struct tsh_curl_api) == sizeof names, "one name per field of tsh_curl_api");

static struct tsh_curl_api api;
static const struct tsh_curl_api *loaded;
static char failure[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *slots[sizeof names / sizeof names[0]];
    if (tsh_load_library("libcurl.so.4", names, slots, sizeof names / sizeof names[0], failure, sizeof failure)) {
        memcpy(&api, slots, sizeof api);
        loaded = &api;
    }
}

const struct tsh_curl_api *tsh_curl(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *tsh_curl_error(void) {
    pthread_once(&once, load);
    return failure;
}
