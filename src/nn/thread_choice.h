/* How many threads run the next training step (internal to the minibatch loop).
 *
 * Every thread count gives the same bytes, so the loop may pick the count step by step for
 * speed alone. Most of the time the most threads win, but not always: a minibatch of one shard
 * split across cores that are far apart (two sockets, or a virtual machine whose host at times
 * places its vCPUs so that a cache line takes 350 ns instead of 60 ns to cross) runs slower on
 * two threads than on one. So the loop runs the most threads, now and then tries
 * half or double that many (as there are) for three steps, and keeps whichever was faster in
 * the median step.
 * Tries grow rarer while they lose: a choice that holds costs a few tenths of a percent of a
 * long run, about a percent of a run of a few hundred steps. */
#ifndef LATENT_SRC_NN_THREAD_CHOICE_H
#define LATENT_SRC_NN_THREAD_CHOICE_H

#include <stdint.h>

/* Recent steps of the count in use whose times a try is held against, and the steps of a try. */
#define LATENT_CHOICE_RECENT 4
#define LATENT_CHOICE_TRY 3

typedef struct latent_thread_choice {
    int most;            /* threads available; 1: no choice to make */
    int now;             /* the count steps run with */
    int other;           /* the count being tried (while trying) */
    int trying;          /* steps of the try still to run */
    int up;              /* the next try doubles `now` instead of halving it, when both exist */
    int64_t steps;       /* full steps recorded */
    int64_t next_try;    /* the step at which the next try starts */
    int64_t period;      /* steps between tries: grown after a try that loses */
    double recent[LATENT_CHOICE_RECENT]; /* the last full steps' seconds at `now` */
    int n_recent;
    double tried[LATENT_CHOICE_TRY]; /* the steps of the try under way */
} latent_thread_choice;

/* Starts with `most` threads (1 or less: always one). */
void latent_thread_choice_init(latent_thread_choice *c, int most);

/* Threads for the next step. */
int latent_thread_choice_next(const latent_thread_choice *c);

/* Records that a step ran on `threads` threads in `seconds`; `full` is 0 for a step that is not
 * comparable with the others (the last, shorter minibatch of an epoch), which is not counted. */
void latent_thread_choice_record(latent_thread_choice *c, int threads, double seconds, int full);

#endif
