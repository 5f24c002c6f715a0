#ifndef TSH_CLIBSSH_SHIM_H
#define TSH_CLIBSSH_SHIM_H
#include <libssh/libssh.h>
#endif
