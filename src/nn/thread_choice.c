/* The training step's thread count, chosen by trying (thread_choice.h). */
#include "thread_choice.h"

/* Steps before the first try, and between tries right after a switch. */
#define FIRST_PERIOD 64
/* The longest wait between tries: the host may change under a long run. */
#define MAX_PERIOD 1024
/* Steps each try runs; the middle one of their times counts (the first may pay for caches the
 * other count left, and one step may be luckier than the count's usual). */
#define TRY_STEPS LATENT_CHOICE_TRY
/* A try that lost by this factor or more waits eight times as long before the next, not twice:
 * each try costs a few steps' worth (its own steps and the cold step after it). */
#define CLEAR_LOSS 1.5
/* A try wins only when its fastest step beats the fastest recent one by this share: steps vary
 * by a few percent from one to the next, and a switch costs a few cold steps. */
#define MARGIN 0.10

void latent_thread_choice_init(latent_thread_choice *c, int most)
{
    *c = (latent_thread_choice){0};
    c->most = most > 1 ? most : 1;
    c->now = c->most;
    c->period = FIRST_PERIOD;
    c->next_try = FIRST_PERIOD;
}

int latent_thread_choice_next(const latent_thread_choice *c)
{
    return c->trying ? c->other : c->now;
}

static void start_try(latent_thread_choice *c)
{
    const int half = c->now / 2, twice = c->now * 2 < c->most ? c->now * 2 : c->most;
    const int can_halve = c->now > 1, can_double = c->now < c->most;
    int up = can_double && (!can_halve || c->up);
    c->up = !c->up;
    c->other = up ? twice : half;
    c->trying = TRY_STEPS;
}

/* The median of n times (the mean of the middle two for even n). Medians, not minima: on a
 * host whose cores are at times far apart, two threads' steps spread more than one's, and the
 * fastest of them favours two threads (a sweep once kept two on ae 784-64-16 at batch 32, whose
 * epoch took 25% longer on them than on one). */
static double median(const double *t, int n)
{
    double s[LATENT_CHOICE_RECENT > TRY_STEPS ? LATENT_CHOICE_RECENT : TRY_STEPS];
    for (int i = 0; i < n; i++) {
        int j = i;
        for (; j > 0 && s[j - 1] > t[i]; j--) s[j] = s[j - 1];
        s[j] = t[i];
    }
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

static void decide(latent_thread_choice *c)
{
    const double usual = median(c->recent, c->n_recent), tried = median(c->tried, TRY_STEPS);
    if (tried < usual * (1.0 - MARGIN)) {
        c->now = c->other;
        c->n_recent = 0;
        c->period = FIRST_PERIOD;
    } else {
        const int64_t grown = c->period * (tried >= usual * CLEAR_LOSS ? 8 : 2);
        c->period = grown < MAX_PERIOD ? grown : MAX_PERIOD;
    }
    c->next_try = c->steps + c->period;
}

void latent_thread_choice_record(latent_thread_choice *c, int threads, double seconds, int full)
{
    if (c->most <= 1 || !full) return;
    c->steps++;
    if (c->trying) {
        if (threads != c->other) return;
        c->tried[TRY_STEPS - c->trying] = seconds;
        if (--c->trying == 0) decide(c);
        return;
    }
    if (threads != c->now) return;
    /* the window slides: the oldest step leaves */
    if (c->n_recent == LATENT_CHOICE_RECENT) {
        for (int i = 1; i < LATENT_CHOICE_RECENT; i++) c->recent[i - 1] = c->recent[i];
        c->n_recent--;
    }
    c->recent[c->n_recent++] = seconds;
    if (c->steps >= c->next_try && c->n_recent == LATENT_CHOICE_RECENT) start_try(c);
}
