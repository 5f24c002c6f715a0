#ifndef TSH_CLIBSSH_H
#define TSH_CLIBSSH_H
#include <stddef.h>
#include <libssh/libssh.h>

/* libssh is loaded with dlopen on first use, not linked: only `tsh login`
   needs it, and loading it (with libcrypto) costs every other command
   milliseconds of start-up. The table holds the few calls we use; loader.c
   fills it once, under pthread_once. */
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
const struct tsh_libssh_api *tsh_libssh(void);

/* Why loading failed: dlerror() as read right after the failing call. */
const char *tsh_libssh_error(void);
#endif
