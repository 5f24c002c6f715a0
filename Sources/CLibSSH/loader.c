#include "CLibSSH.h"
#include <CDynamicLibrary.h>
#include <pthread.h>
#include <string.h>

/* One copy of the state for the whole process, filled once under
   pthread_once so that concurrent first calls are safe. */
static const char *const names[] = {
    "ssh_version", "ssh_pki_generate", "ssh_pki_import_privkey_base64", "ssh_pki_export_privkey_base64",
    "ssh_pki_export_pubkey_base64", "ssh_key_free", "ssh_key_type", "ssh_key_type_to_char",
    "ssh_key_is_private", "ssh_string_free_char",
};
/* The table's fields are these function pointers, in this order. */
_Static_assert(sizeof(struct tsh_libssh_api) == sizeof names, "one name per field of tsh_libssh_api");

static struct tsh_libssh_api api;
static const struct tsh_libssh_api *loaded;
static char failure[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *slots[sizeof names / sizeof names[0]];
    if (tsh_load_library("libssh.so.4", names, slots, sizeof names / sizeof names[0], failure, sizeof failure)) {
        memcpy(&api, slots, sizeof api);
        loaded = &api;
    }
}

const struct tsh_libssh_api *tsh_libssh(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *tsh_libssh_error(void) {
    pthread_once(&once, load);
    return failure;
}
