/* The processes a job runs on: MPI ranks under mpirun (when latent is built with MPI), or this
 * process alone. Training splits each minibatch's fixed shards among the ranks and combines
 * their gradients in the same fixed tree as one process does, so the bytes never depend on
 * the rank count. */
#ifndef LATENT_COMM_H
#define LATENT_COMM_H

#include "latent/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Joins the job when this process was started by mpirun (or another MPI launcher) and latent
 * was built with MPI; otherwise the job is this process alone. Call once, from the main thread,
 * before any training; the rest of latent calls MPI from whichever thread runs a step, one call
 * at a time (MPI_THREAD_SERIALIZED). */
latent_status latent_comm_start(int *argc, char ***argv);
/* Leaves the job: ok nonzero finalizes MPI, ok zero ends every rank's process (MPI_Abort) so no
 * rank waits for one that failed. Does nothing for a process alone. */
void latent_comm_stop(int ok);
/* This process's rank and the job's rank count (0 and 1 without MPI). */
int latent_comm_rank(void);
int latent_comm_size(void);
/* Nonzero when latent was built with MPI. */
int latent_comm_built_with_mpi(void);

#ifdef __cplusplus
}
#endif
#endif
