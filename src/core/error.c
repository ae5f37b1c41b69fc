/* The per-thread error message behind latent_last_error. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "latent/error.h"

static _Thread_local char message[1024];

const char *latent_last_error(void) { return message[0] ? message : "no error"; }

latent_status latent_fail(latent_status status, const char *fmt, ...)
{
    /* Formatted apart first: a caller may pass latent_last_error() itself as an argument, to
     * put a prefix before the message a lower layer left. */
    char text[sizeof message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    memcpy(message, text, sizeof message);
    return status;
}

const char *latent_status_name(latent_status status)
{
    switch (status) {
    case LATENT_OK: return "ok";
    case LATENT_EINVAL: return "invalid argument";
    case LATENT_EIO: return "input/output error";
    case LATENT_EFORMAT: return "malformed file";
    case LATENT_ENOMEM: return "out of memory";
    case LATENT_EUNSUPPORTED: return "unsupported";
    case LATENT_EDIVERGED: return "diverged";
    }
    return "unknown status";
}
