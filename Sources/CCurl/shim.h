#ifndef TSH_CCURL_SHIM_H
#define TSH_CCURL_SHIM_H
#include <dlfcn.h>
#include <stddef.h>
#include <curl/curl.h>

/* libcurl is loaded with dlopen on first use, not linked: only the commands
   that talk to the web API need it, and loading it with its dependencies
   costs every other command milliseconds of start-up. */
struct tsh_curl_api {
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    curl_version_info_data *(*version_info)(CURLversion);
};

/* Returns the table, or NULL when libcurl cannot be loaded (see tsh_curl_error). */
static inline const struct tsh_curl_api *tsh_curl(void) {
    static struct tsh_curl_api api;
    static int state = 0; /* 0: not tried, 1: loaded, -1: failed */
    if (state == 0) {
        void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        state = -1;
        if (h) {
#define TSH_SYM(field, name) if (!(*(void **)&api.field = dlsym(h, name))) return NULL;
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
            state = 1;
        }
    }
    return state == 1 ? &api : NULL;
}

static inline const char *tsh_curl_error(void) {
    const char *e = dlerror();
    return e ? e : "libcurl.so.4 lacks a needed function";
}

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot
   call. These typed wrappers pin the argument type for each kind of option.
   Call them only after tsh_curl() returned the table. */
static inline CURLcode tsh_curl_setopt_long(CURL *h, CURLoption o, long v) {
    return tsh_curl()->easy_setopt(h, o, v);
}
static inline CURLcode tsh_curl_setopt_string(CURL *h, CURLoption o, const char *v) {
    return tsh_curl()->easy_setopt(h, o, v);
}
static inline CURLcode tsh_curl_setopt_pointer(CURL *h, CURLoption o, void *v) {
    return tsh_curl()->easy_setopt(h, o, v);
}
static inline CURLcode tsh_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) {
    return tsh_curl()->easy_setopt(h, o, v);
}
static inline CURLcode tsh_curl_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) {
    return tsh_curl()->easy_setopt(h, o, v);
}
typedef size_t (*tsh_curl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode tsh_curl_setopt_data_callback(CURL *h, CURLoption o, tsh_curl_data_callback f) {
    return tsh_curl()->easy_setopt(h, o, f);
}
static inline CURLcode tsh_curl_getinfo_long(CURL *h, CURLINFO i, long *v) {
    return tsh_curl()->easy_getinfo(h, i, v);
}
static inline CURLcode tsh_curl_getinfo_string(CURL *h, CURLINFO i, char **v) {
    return tsh_curl()->easy_getinfo(h, i, v);
}
static inline CURLcode tsh_curl_getinfo_off_t(CURL *h, CURLINFO i, curl_off_t *v) {
    return tsh_curl()->easy_getinfo(h, i, v);
}
/* CURLVERSION_NOW is a macro Swift cannot import. */
static inline curl_version_info_data *tsh_curl_version_info(void) {
    return tsh_curl()->version_info(CURLVERSION_NOW);
}
#endif
