/* Collective operations over the job's ranks (internal). Every rank calls each one in the same
 * order; without MPI, or with one rank, they only copy. */
#ifndef LATENT_SRC_CORE_COMM_H
#define LATENT_SRC_CORE_COMM_H

#include <stddef.h>
#include <stdint.h>
#include "latent/comm.h"

/* buf holds every rank's part side by side: rank r's `count[r]` bytes at offset `at[r]`. Each
 * rank writes its own part before the call; after it, every rank has every part. */
latent_status latent_comm_allgather(void *buf, const int64_t *at, const int64_t *count);
/* Every rank sends `send_bytes[r]` bytes from send + send_at[r] to rank r, and receives
 * `recv_bytes[r]` bytes from rank r at recv + recv_at[r]. send and recv must not overlap. */
latent_status latent_comm_alltoall(const void *send, const int64_t *send_at,
                                   const int64_t *send_bytes, void *recv, const int64_t *recv_at,
                                   const int64_t *recv_bytes);

#endif
