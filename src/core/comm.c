/* The job's ranks: MPI when built with it and started by a launcher, else this process alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "comm.h"

#if LATENT_HAVE_MPI
#include <mpi.h>
#endif

static int comm_rank = 0, comm_size = 1;
#if LATENT_HAVE_MPI
static int comm_mpi = 0; /* MPI_Init_thread has run and MPI_Finalize not yet */
#endif

int latent_comm_rank(void) { return comm_rank; }
int latent_comm_size(void) { return comm_size; }
int latent_comm_built_with_mpi(void) { return LATENT_HAVE_MPI; }

#if LATENT_HAVE_MPI
/* Set by Open MPI's, MPICH's and Slurm's launchers: a process started without one stays alone
 * rather than paying for (or failing at) a singleton MPI start. */
static int under_launcher(void)
{
    static const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i])) return 1;
    return 0;
}

static latent_status mpi_fail(int rc, const char *what)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    return latent_fail(LATENT_EIO, "mpi: %s failed on rank %d: %.*s", what, comm_rank, len, msg);
}
#endif

latent_status latent_comm_start(int *argc, char ***argv)
{
#if LATENT_HAVE_MPI
    if (comm_mpi || !under_launcher()) return LATENT_OK;
    int provided = 0;
    int rc = MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
    if (rc != MPI_SUCCESS) return latent_fail(LATENT_EIO, "mpi: MPI_Init_thread failed (%d)", rc);
    comm_mpi = 1;
    /* errors come back as codes, so each can be reported with what was under way */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &comm_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &comm_size);
    if (provided < MPI_THREAD_SERIALIZED)
        return latent_fail(LATENT_EIO, "mpi: the MPI library gives thread level %d, latent needs "
                           "MPI_THREAD_SERIALIZED (%d)", provided, MPI_THREAD_SERIALIZED);
#else
    (void)argc, (void)argv;
#endif
    return LATENT_OK;
}

void latent_comm_stop(int ok)
{
#if LATENT_HAVE_MPI
    if (!comm_mpi) return;
    fflush(stdout);
    fflush(stderr);
    if (!ok && comm_size > 1) MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Finalize();
    comm_mpi = 0;
#else
    (void)ok;
#endif
}

#if LATENT_HAVE_MPI
/* MPI's int counts and offsets from latent's 64-bit ones (ints: 2 x comm_size of them). */
static latent_status to_ints(const int64_t *at, const int64_t *count, int *ints)
{
    for (int r = 0; r < comm_size; r++) {
        if (count[r] > INT32_MAX || at[r] > INT32_MAX)
            return latent_fail(LATENT_EINVAL, "mpi: a part of %lld bytes at %lld is beyond what "
                               "one MPI call moves (2 GiB)", (long long)count[r], (long long)at[r]);
        ints[r] = (int)count[r];
        ints[comm_size + r] = (int)at[r];
    }
    return LATENT_OK;
}
#endif

latent_status latent_comm_alltoall(const void *send, const int64_t *send_at,
                                   const int64_t *send_bytes, void *recv, const int64_t *recv_at,
                                   const int64_t *recv_bytes)
{
    if (comm_size == 1) {
        memcpy((char *)recv + recv_at[0], (const char *)send + send_at[0], (size_t)send_bytes[0]);
        return LATENT_OK;
    }
#if LATENT_HAVE_MPI
    int *s = malloc(4 * (size_t)comm_size * sizeof(int));
    if (!s) return latent_fail(LATENT_ENOMEM, "mpi: out of memory for %d counts", comm_size);
    int *r = s + 2 * comm_size;
    latent_status st = to_ints(send_at, send_bytes, s);
    if (!st) st = to_ints(recv_at, recv_bytes, r);
    if (!st) {
        int rc = MPI_Alltoallv(send, s, s + comm_size, MPI_BYTE, recv, r, r + comm_size, MPI_BYTE,
                               MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) st = mpi_fail(rc, "MPI_Alltoallv");
    }
    free(s);
    return st;
#else
    (void)recv_bytes;
    return LATENT_OK;
#endif
}

latent_status latent_comm_allgather(void *buf, const int64_t *at, const int64_t *count)
{
    if (comm_size == 1) return LATENT_OK;
#if LATENT_HAVE_MPI
    int *cnt = malloc(2 * (size_t)comm_size * sizeof(int));
    if (!cnt) return latent_fail(LATENT_ENOMEM, "mpi: out of memory for %d counts", comm_size);
    latent_status st = to_ints(at, count, cnt);
    if (!st) {
        int rc = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, cnt, cnt + comm_size,
                                MPI_BYTE, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) st = mpi_fail(rc, "MPI_Allgatherv");
    }
    free(cnt);
    return st;
#else
    (void)buf, (void)at, (void)count;
    return LATENT_OK;
#endif
}
