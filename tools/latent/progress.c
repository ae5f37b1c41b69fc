/* Progress display: what a person watching a terminal, a log file or a script each needs. */
#include <math.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include "jsonl.h"
#include "progress.h"

double progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void progress_init(progress *p, int json, int quiet, int64_t first_epoch, int64_t epochs,
                   int64_t per_epoch)
{
    p->mode = json ? PROGRESS_JSON
                   : quiet ? PROGRESS_QUIET
                           : isatty(STDOUT_FILENO) ? PROGRESS_BAR : PROGRESS_LINES;
    p->quiet = quiet;
    p->first_epoch = first_epoch;
    p->epochs = epochs;
    p->per_epoch = per_epoch;
    p->start = p->epoch_start = progress_now();
    p->last_draw = 0;
    p->drawn = 0;
}

void progress_epoch_begin(progress *p, int64_t epoch)
{
    (void)epoch;
    p->epoch_start = progress_now();
}

static void clock_text(char *buf, size_t n, double s)
{
    if (!(s >= 0) || s > 1e7) { snprintf(buf, n, "--:--"); return; }
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

void progress_step(progress *p, int64_t epoch, int64_t done, double loss)
{
    if (p->mode != PROGRESS_BAR) return;
    double now = progress_now();
    if (now - p->last_draw < 0.1 && done < p->per_epoch) return;
    p->last_draw = now;
    double frac = p->per_epoch > 0 ? (double)done / (double)p->per_epoch : 1;
    if (frac > 1) frac = 1;
    double el = now - p->epoch_start;
    double rate = el > 0 ? (double)done / el : 0;
    /* ETA for the whole run: this epoch's remainder plus the epochs still to come. */
    double left_epochs = (double)(p->first_epoch + p->epochs - 1 - epoch);
    double eta = rate > 0 ? ((1 - frac) + left_epochs) * (double)p->per_epoch / rate : NAN;
    char bar[31], etas[32];
    int fill = (int)(frac * 30);
    for (int i = 0; i < 30; i++) bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
    bar[30] = '\0';
    clock_text(etas, sizeof etas, eta);
    printf("\repoch %lld/%lld [%s] %3d%% %8.0f samples/s  loss %.5g  ETA %s\033[K",
           (long long)epoch, (long long)(p->first_epoch + p->epochs - 1), bar, (int)(frac * 100),
           rate, loss, etas);
    fflush(stdout);
    p->drawn = 1;
}

void progress_clear(progress *p)
{
    if (p->drawn) {
        printf("\r\033[K");
        fflush(stdout);
        p->drawn = 0;
    }
}

void progress_epoch(progress *p, int64_t epoch, double seconds, double threads, double train_loss,
                    double test_loss, int nextra, const char *const *keys, const double *vals)
{
    if (p->mode == PROGRESS_QUIET) return;
    if (p->mode == PROGRESS_JSON) {
        if (p->quiet) return;
        jsonl j;
        jsonl_begin(&j, "epoch");
        jsonl_int(&j, "epoch", epoch);
        jsonl_num(&j, "seconds", seconds);
        jsonl_num(&j, "threads", threads);
        jsonl_num(&j, "train_loss", train_loss);
        if (!isnan(test_loss)) jsonl_num(&j, "test_loss", test_loss);
        for (int i = 0; i < nextra; i++) jsonl_num(&j, keys[i], vals[i]);
        jsonl_end(&j);
        return;
    }
    progress_clear(p);
    printf("epoch %lld/%lld  %.2fs  %.0f samples/s  train_loss %.6g", (long long)epoch,
           (long long)(p->first_epoch + p->epochs - 1), seconds,
           seconds > 0 ? (double)p->per_epoch / seconds : 0.0, train_loss);
    if (!isnan(test_loss)) printf("  test_loss %.6g", test_loss);
    for (int i = 0; i < nextra; i++) printf("  %s %.6g", keys[i], vals[i]);
    printf("\n");
    fflush(stdout);
}

void progress_iter(progress *p, int64_t iter, double seconds, double inertia)
{
    if (p->mode == PROGRESS_QUIET) return;
    if (p->mode == PROGRESS_JSON) {
        if (p->quiet) return;
        jsonl j;
        jsonl_begin(&j, "iter");
        jsonl_int(&j, "iter", iter);
        jsonl_num(&j, "seconds", seconds);
        jsonl_num(&j, "inertia", inertia);
        jsonl_end(&j);
        return;
    }
    progress_clear(p);
    printf("iter %lld  %.3fs  inertia %.8g\n", (long long)iter, seconds, inertia);
    fflush(stdout);
}
