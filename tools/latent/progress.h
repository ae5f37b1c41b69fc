/* Training progress: a bar on a terminal, one line per epoch elsewhere, JSON lines with --json. */
#ifndef LATENT_CLI_PROGRESS_H
#define LATENT_CLI_PROGRESS_H

#include <stdint.h>

typedef enum progress_mode { PROGRESS_BAR, PROGRESS_LINES, PROGRESS_JSON, PROGRESS_QUIET } progress_mode;

typedef struct progress {
    progress_mode mode;
    int quiet;            /* with --json: epoch/iter events are left out, `done` stays */
    int64_t epochs;       /* total epochs (or iterations) of this run */
    int64_t first_epoch;  /* 1, or where a resumed run starts */
    int64_t per_epoch;    /* samples per epoch */
    double start;         /* monotonic seconds at progress_init */
    double epoch_start;
    double last_draw;
    int drawn;            /* a bar is on screen and needs a newline before other output */
} progress;

/* Monotonic wall-clock seconds. */
double progress_now(void);

/* Picks the mode: JSON when json, nothing when quiet, else a bar if stdout is a terminal. */
void progress_init(progress *p, int json, int quiet, int64_t first_epoch, int64_t epochs,
                   int64_t per_epoch);

/* Marks the start of an epoch. */
void progress_epoch_begin(progress *p, int64_t epoch);

/* Within an epoch: samples done so far and the running mean loss (redraws the bar, ~10 Hz). */
void progress_step(progress *p, int64_t epoch, int64_t samples_done, double loss);

/* One finished epoch: its training seconds, its steps' mean thread count (in JSON), losses
 * (test_loss NaN when there is none) and
 * `nextra` more named numbers (a GAN's d_loss and g_loss, ...). */
void progress_epoch(progress *p, int64_t epoch, double seconds, double threads, double train_loss,
                    double test_loss, int nextra, const char *const *keys, const double *vals);

/* One k-means iteration. */
void progress_iter(progress *p, int64_t iter, double seconds, double inertia);

/* Clears a bar from the screen before other output. */
void progress_clear(progress *p);

#endif
