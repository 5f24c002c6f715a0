#ifndef TSH_CCURL_H
#define TSH_CCURL_H
#include <stddef.h>
#include <curl/curl.h>

/* libcurl is loaded with dlopen on first use, not linked: only the commands
   that talk to the web API need it, and loading it with its dependencies
   costs every other command milliseconds of start-up. The table holds the
   calls we use; loader.c fills it once, under pthread_once. */
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
const struct tsh_curl_api *tsh_curl(void);

/* Why loading failed: dlerror() as read right after the failing call. */
const char *tsh_curl_error(void);

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
/* CURLVERSION_NOW is a macro Swift cannot import. */
static inline curl_version_info_data *tsh_curl_version_info(void) {
    return tsh_curl()->version_info(CURLVERSION_NOW);
}
#endif
