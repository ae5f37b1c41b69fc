/* Status codes and the per-thread error message every latent call fills on failure. */
#ifndef LATENT_ERROR_H
#define LATENT_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* Every fallible latent_ function returns one of these; LATENT_OK is zero. */
typedef enum latent_status {
    LATENT_OK = 0,
    LATENT_EINVAL,      /* a bad argument or option value */
    LATENT_EIO,         /* the operating system refused a read or write */
    LATENT_EFORMAT,     /* a file's contents are malformed or unsupported */
    LATENT_ENOMEM,      /* an allocation failed or would exceed a limit */
    LATENT_EUNSUPPORTED,/* the CPU or build lacks what was asked for */
    LATENT_EDIVERGED    /* training met a NaN or Inf */
} latent_status;

/* The message of the last failure on this thread: names the file, field and bad value. */
const char *latent_last_error(void);

/* Records a failure message (printf format) for this thread and returns `status`; the
 * arguments may include latent_last_error(), to prefix the message a lower layer left. */
latent_status latent_fail(latent_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A short constant name for a status code ("invalid argument", ...). */
const char *latent_status_name(latent_status status);

#ifdef __cplusplus
}
#endif
#endif
