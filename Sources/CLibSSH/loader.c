#include "CLibSSH.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/* One copy of the state for the whole process, filled once under
   pthread_once so that concurrent first calls are safe. */
static struct tsh_libssh_api api;
static const struct tsh_libssh_api *loaded;
static char failure[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *h = dlopen("libssh.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(failure, sizeof failure, "%s", dlerror());
        return;
    }
#define TSH_SYM(field, name) \
    if (!(*(void **)&api.field = dlsym(h, name))) { \
        snprintf(failure, sizeof failure, "libssh.so.4 lacks %s", name); \
        dlclose(h); \
        return; \
    }
    TSH_SYM(version, "ssh_version")
    TSH_SYM(pki_generate, "ssh_pki_generate")
    TSH_SYM(pki_import_privkey_base64, "ssh_pki_import_privkey_base64")
    TSH_SYM(pki_export_privkey_base64, "ssh_pki_export_privkey_base64")
    TSH_SYM(pki_export_pubkey_base64, "ssh_pki_export_pubkey_base64")
    TSH_SYM(key_free, "ssh_key_free")
    TSH_SYM(key_type, "ssh_key_type")
    TSH_SYM(key_type_to_char, "ssh_key_type_to_char")
    TSH_SYM(key_is_private, "ssh_key_is_private")
    TSH_SYM(string_free_char, "ssh_string_free_char")
#undef TSH_SYM
    loaded = &api;
}

const struct tsh_libssh_api *tsh_libssh(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *tsh_libssh_error(void) {
    pthread_once(&once, load);
    return failure;
}
