/* Loss curves: collected per epoch, carried through checkpoints, plotted with io.h's PNG plot. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "latent/io.h"
#include "loss_history.h"
#include "options.h"

void loss_history_add(loss_history *h, double train, double test)
{
    if (h->n == h->cap) {
        int64_t cap = h->cap ? 2 * h->cap : 64;
        double *a = realloc(h->train, (size_t)cap * sizeof *a);
        if (!a) return;
        h->train = a;
        double *b = realloc(h->test, (size_t)cap * sizeof *b);
        if (!b) return;
        h->test = b;
        h->cap = cap;
    }
    h->train[h->n] = train;
    h->test[h->n++] = test;
}

static char *join(const double *v, int64_t n)
{
    char *s = malloc((size_t)n * 26 + 1);
    if (!s) return NULL;
    size_t len = 0;
    s[0] = '\0';
    for (int64_t i = 0; i < n; i++)
        len += (size_t)sprintf(s + len, "%s%.9g", i ? "," : "", isfinite(v[i]) ? v[i] : NAN);
    return s;
}

void loss_history_store(const loss_history *h, ckpt_extra *x)
{
    char *a = join(h->train, h->n), *b = join(h->test, h->n);
    if (a && b) {
        ckpt_extra_set(x, "train_loss", a);
        ckpt_extra_set(x, "test_loss", b);
    }
    free(a);
    free(b);
}

void loss_history_load(loss_history *h, const ckpt_extra *x)
{
    const char *a = ckpt_extra_get(x, "train_loss"), *b = ckpt_extra_get(x, "test_loss");
    if (!a || !b || !*a) return;
    /* strtod reads "nan" too; a malformed list just ends the history early. */
    while (*a && *b) {
        char *ea, *eb;
        double ta = strtod(a, &ea), tb = strtod(b, &eb);
        if (ea == a || eb == b) break;
        loss_history_add(h, ta, tb);
        a = *ea == ',' ? ea + 1 : ea;
        b = *eb == ',' ? eb + 1 : eb;
    }
}

int loss_history_plot(const char *cmd, const loss_history *h, const char *model_path,
                      const char *title)
{
    char path[4096];
    size_t len = strlen(model_path);
    const char *ext = ".safetensors";
    size_t el = strlen(ext);
    if (len >= el && strcmp(model_path + len - el, ext) == 0) len -= el;
    if (len + 10 >= sizeof path) return cli_error(cmd, EXIT_FAIL, "%s: path too long", model_path);
    snprintf(path, sizeof path, "%.*s.loss.png", (int)len, model_path);
    latent_curve c[2] = {{"train", h->train, h->n}, {"test", h->test, h->n}};
    int has_test = 0;
    for (int64_t i = 0; i < h->n; i++) has_test |= isfinite(h->test[i]);
    char t[64];
    snprintf(t, sizeof t, "%s loss per epoch", title);
    if (latent_png_write_plot(path, c, has_test ? 2 : 1, t, 640, 400) != LATENT_OK)
        return cli_error(cmd, EXIT_FAIL, "%s", latent_last_error());
    return EXIT_OK;
}

void loss_history_free(loss_history *h)
{
    free(h->train);
    free(h->test);
    memset(h, 0, sizeof *h);
}
