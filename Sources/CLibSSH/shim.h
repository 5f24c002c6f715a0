#ifndef TSH_CLIBSSH_SHIM_H
#define TSH_CLIBSSH_SHIM_H
#include <dlfcn.h>
#include <stddef.h>
#include <libssh/libssh.h>

/* libssh is loaded with dlopen on first use, not linked: only `tsh login`
   needs it, and loading it (with libcrypto) costs every other command
   milliseconds of start-up. The table below holds the few calls we use. */
struct tsh_libssh_api {
    const char *(*version)(int);
    int (*pki_generate)(enum ssh_keytypes_e, int, ssh_key *);
    int (*pki_import_privkey_base64)(const char *, const char *, ssh_auth_callback, void *, ssh_key *);
    int (*pki_export_privkey_base64)(const ssh_key, const char *, ssh_auth_callback, void *, char **);
    int (*pki_export_pubkey_base64)(const ssh_key, char **);
    void (*key_free)(ssh_key);
    enum ssh_keytypes_e (*key_type)(const ssh_key);
    const char *(*key_type_to_char)(enum ssh_keytypes_e);
    int (*key_is_private)(const ssh_key);
    void (*string_free_char)(char *);
};

/* Returns the table, or NULL when libssh cannot be loaded (see tsh_libssh_error). */
static inline const struct tsh_libssh_api *tsh_libssh(void) {
    static struct tsh_libssh_api api;
    static int state = 0; /* 0: not tried, 1: loaded, -1: failed */
    if (state == 0) {
        void *h = dlopen("libssh.so.4", RTLD_NOW | RTLD_LOCAL);
        state = -1;
        if (h) {
#define TSH_SYM(field, name) if (!(*(void **)&api.field = dlsym(h, name))) return NULL;
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
            state = 1;
        }
    }
    return state == 1 ? &api : NULL;
}

static inline const char *tsh_libssh_error(void) {
    const char *e = dlerror();
    return e ? e : "libssh.so.4 lacks a needed function";
}
#endif
