/* Convolutions as gathers and GEMMs: each member of a team gathers the input rows its block of
 * output pixels reads (a cache-sized block, never the whole im2col) and multiplies them by the
 * weights with the level's micro-kernels; a transposed correlation runs one gather per residue
 * class of its output pixels, so no output is ever a scattered sum. One output channel goes to
 * rows_dot instead of a one-column GEMM. */
#include <math.h>
#include <string.h>
#include "conv.h"
#include "gemm.h"
#include "scratch.h"

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Gathered rows per block: about a megabyte of them, and at least a micro-kernel's worth; 64
 * when the rows are long, so a layer's forward product runs swapped (weights read where they
 * lie, lk_sgemm_team) instead of packing all the weights for a few row tiles. */
static int64_t block_rows(int64_t k)
{
    return max64(64, min64(1024, ((int64_t)1 << 18) / max64(k, 1)));
}

/* ---- the correlation ---------------------------------------------------------------------- */

/* Rows [p0, p1) of the correlation's gathered input: row p - p0 holds, tap after tap, the IC
 * channels pixel p reads (zeros outside the image). */
static void gather(const lk_conv_geom *g, const float *x, int64_t p0, int64_t p1, float *cols)
{
    const int64_t K = (int64_t)g->kh * g->kw * g->ic, plane = g->oh * g->ow;
    const size_t tap = (size_t)g->ic * sizeof(float);
    for (int64_t p = p0; p < p1; p++) {
        float *row = cols + (p - p0) * K;
        const int64_t img = p / plane, r = p % plane, oh = r / g->ow, ow = r % g->ow;
        const float *xi = x + img * g->ih * g->iw * g->ic;
        const int64_t iw0 = ow * g->sw - g->pw;
        for (int kh = 0; kh < g->kh; kh++, row += (int64_t)g->kw * g->ic) {
            const int64_t ih = oh * g->sh - g->ph + kh;
            if (ih < 0 || ih >= g->ih) {
                memset(row, 0, tap * (size_t)g->kw);
                continue;
            }
            const float *xr = xi + ih * g->iw * g->ic;
            if (iw0 >= 0 && iw0 + g->kw <= g->iw) { /* every tap of the row inside: one copy */
                memcpy(row, xr + iw0 * g->ic, tap * (size_t)g->kw);
                continue;
            }
            for (int kw = 0; kw < g->kw; kw++) {
                const int64_t iw = iw0 + kw;
                if (iw < 0 || iw >= g->iw) memset(row + kw * g->ic, 0, tap);
                else memcpy(row + kw * g->ic, xr + iw * g->ic, tap);
            }
        }
    }
}

/* y = act(bias + cols g^T) for `rows` gathered rows of K: a GEMM, or rows_dot for one output. */
static void multiply(const lk_table *t, int64_t rows, int64_t K, const float *cols,
                     const float *g, int64_t oc, const float *bias, latent_act act, float slope,
                     float *y, int64_t ldy)
{
    if (oc == 1) {
        t->rows_dot(rows, 1, K, cols, K, g, K, y, ldy);
        for (int64_t i = 0; i < rows; i++) {
            float *v = y + i * ldy;
            /* the epilogue's order: the bias (or zero) first, then the activation */
            *v = *v + (bias ? bias[0] : 0.0f);
            if (act != LATENT_ACT_IDENTITY) t->act_fwd[act](1, v, v, slope);
        }
        return;
    }
    const lk_team solo = lk_team_solo();
    lk_sgemm_team(&solo, t, 0, 1, rows, oc, K, 1.0f, cols, K, g, K, 0.0f, y, ldy, bias, act, slope);
}

void lk_conv_correlate(const lk_team *team, const lk_table *t, const lk_conv_geom *geo,
                       int64_t n, const float *x, const float *g, int64_t oc, const float *bias,
                       latent_act act, float slope, float *y)
{
    const int64_t K = (int64_t)geo->kh * geo->kw * geo->ic, M = n * geo->oh * geo->ow;
    int64_t p0, p1;
    lk_team_split(team, M, &p0, &p1);
    if (p1 <= p0) return;
    const int64_t br = block_rows(K);
    float *cols = lk_scratch(LK_SCRATCH_CONV, (size_t)(br * K));
    if (!cols) {
        /* out of memory: NaN, which the training loop's finite checks stop on */
        for (int64_t i = p0 * oc; i < p1 * oc; i++) y[i] = NAN;
        return;
    }
    for (int64_t b0 = p0; b0 < p1; b0 += br) {
        const int64_t b1 = min64(p1, b0 + br);
        gather(geo, x, b0, b1, cols);
        multiply(t, b1 - b0, K, cols, g, oc, bias, act, slope, y + b0 * oc, oc);
    }
}

/* Every output of a transposed correlation NaN: what an out-of-memory gather leaves. */
static void fill_nan(float *y, const lk_conv_geom *geo, int64_t n, int64_t c)
{
    for (int64_t i = 0; i < n * geo->ih * geo->iw * c; i++) y[i] = NAN;
}

/* ---- the transposed correlation, class by class ------------------------------------------
 * Input-space pixel ih receives from taps kh with kh = (ih + PH) mod SH (mod SH), at output row
 * oh = (ih + PH - kh) / SH. For the class r = (ih + PH) mod SH the pixels are ih = i0 + q SH
 * (i0 = (r - PH) mod SH) and each tap reads oh = q + d, d = (i0 + PH - kh) / SH: a stride-1
 * gather over q. */
typedef struct klass {
    int64_t i0, q;           /* first pixel, pixels in the class (one axis) */
    int taps, k[64];         /* the kernel rows (or columns) of the class */
    int64_t d[64];           /* their offsets: q + d is the output row read */
} klass;

static void class_of(int64_t in, int64_t out, int k, int s, int p, int r, klass *c)
{
    c->i0 = ((r - p) % s + s) % s;
    c->q = c->i0 < in ? (in - 1 - c->i0) / s + 1 : 0;
    c->taps = 0;
    for (int kk = r; kk < k; kk += s) {
        c->k[c->taps] = kk;
        c->d[c->taps++] = (c->i0 + p - kk) / s;
    }
    (void)out;
}

/* Gathered rows [p0, p1) of a class (p over n x qh x qw): tap after tap, oc channels of x. */
static void gather_class(const lk_conv_geom *g, const klass *ch, const klass *cw, const float *x,
                         int64_t oc, int64_t p0, int64_t p1, float *cols)
{
    const int64_t K = (int64_t)ch->taps * cw->taps * oc, plane = ch->q * cw->q;
    const size_t row_bytes = (size_t)oc * sizeof(float);
    for (int64_t p = p0; p < p1; p++) {
        float *row = cols + (p - p0) * K;
        const int64_t img = p / plane, r = p % plane, qh = r / cw->q, qw = r % cw->q;
        const float *xi = x + img * g->oh * g->ow * oc;
        for (int a = 0; a < ch->taps; a++) {
            const int64_t oh = qh + ch->d[a];
            for (int b = 0; b < cw->taps; b++, row += oc) {
                const int64_t ow = qw + cw->d[b];
                if (oh < 0 || oh >= g->oh || ow < 0 || ow >= g->ow) memset(row, 0, row_bytes);
                else memcpy(row, xi + (oh * g->ow + ow) * oc, row_bytes);
            }
        }
    }
}

/* The classes of each axis, and where each class's weights start in the shared buffer. */
typedef struct classes {
    klass h[16], w[16];
    int64_t at[16][16];      /* float offset of class (rh, rw)'s weights [IC][taps x oc] */
} classes;

static void classes_of(const lk_conv_geom *geo, int64_t oc, classes *cl)
{
    int64_t at = 0;
    for (int rh = 0; rh < geo->sh; rh++) class_of(geo->ih, geo->oh, geo->kh, geo->sh, geo->ph, rh, &cl->h[rh]);
    for (int rw = 0; rw < geo->sw; rw++) class_of(geo->iw, geo->ow, geo->kw, geo->sw, geo->pw, rw, &cl->w[rw]);
    for (int rh = 0; rh < geo->sh; rh++)
        for (int rw = 0; rw < geo->sw; rw++) {
            cl->at[rh][rw] = at;
            at += geo->ic * cl->h[rh].taps * cl->w[rw].taps * oc;
        }
}

void lk_conv_correlate_transposed(const lk_team *team, const lk_table *t,
                                  const lk_conv_geom *geo, int64_t n, const float *x,
                                  const float *g, int64_t oc, const float *bias, latent_act act,
                                  float slope, float *y, float *wbuf)
{
    const int64_t IC = geo->ic, KG = (int64_t)geo->kh * geo->kw * IC;
    classes cl;
    classes_of(geo, oc, &cl);
    /* each class's weights [IC][tap, o], built by the whole team, channels split */
    int64_t c0, c1;
    lk_team_split(team, IC, &c0, &c1);
    for (int rh = 0; rh < geo->sh; rh++)
        for (int rw = 0; rw < geo->sw; rw++) {
            const klass *ch = &cl.h[rh], *cw = &cl.w[rw];
            const int64_t K = (int64_t)ch->taps * cw->taps * oc;
            for (int a = 0; a < ch->taps; a++)
                for (int b = 0; b < cw->taps; b++) {
                    const float *gt = g + ((int64_t)ch->k[a] * geo->kw + cw->k[b]) * IC;
                    float *wt = wbuf + cl.at[rh][rw] + ((int64_t)a * cw->taps + b) * oc;
                    for (int64_t o = 0; o < oc; o++)
                        for (int64_t c = c0; c < c1; c++) wt[c * K + o] = gt[o * KG + c];
                }
        }
    lk_team_sync(team);
    for (int rh = 0; rh < geo->sh; rh++)
        for (int rw = 0; rw < geo->sw; rw++) {
            const klass *ch = &cl.h[rh], *cw = &cl.w[rw];
            const int64_t M = n * ch->q * cw->q, K = (int64_t)ch->taps * cw->taps * oc;
            int64_t p0, p1;
            lk_team_split(team, M, &p0, &p1);
            if (p1 <= p0) continue;
            const int64_t br = block_rows(K);
            float *cols = lk_scratch(LK_SCRATCH_CONV, (size_t)(br * K + br * IC));
            if (!cols) {
                fill_nan(y, geo, n, IC); /* out of memory: the loop's finite checks stop here */
                continue;
            }
            float *prod = cols + br * K;
            const float *w = wbuf + cl.at[rh][rw];
            const int64_t plane = ch->q * cw->q;
            for (int64_t b0 = p0; b0 < p1; b0 += br) {
                const int64_t b1 = min64(p1, b0 + br);
                if (K > 0) {
                    gather_class(geo, ch, cw, x, oc, b0, b1, cols);
                    multiply(t, b1 - b0, K, cols, w, IC, bias, act, slope, prod, IC);
                } else {
                    /* no tap reaches these pixels: the bias (or zero) alone, activated */
                    for (int64_t i = 0; i < (b1 - b0) * IC; i++) prod[i] = 0.0f + (bias ? bias[i % IC] : 0.0f);
                    if (act != LATENT_ACT_IDENTITY) t->act_fwd[act]((b1 - b0) * IC, prod, prod, slope);
                }
                for (int64_t p = b0; p < b1; p++) {
                    const int64_t img = p / plane, r = p % plane;
                    const int64_t ih = ch->i0 + (r / cw->q) * geo->sh, iw = cw->i0 + (r % cw->q) * geo->sw;
                    memcpy(y + ((img * geo->ih + ih) * geo->iw + iw) * IC, prod + (p - b0) * IC,
                           (size_t)IC * sizeof(float));
                }
            }
        }
}

/* ---- weight gradients --------------------------------------------------------------------- */

void lk_conv_weights(const lk_team *team, const lk_table *t, const lk_conv_geom *geo, int64_t n,
                     const float *x, const float *a, int64_t ra, float *c)
{
    const int64_t K = (int64_t)geo->kh * geo->kw * geo->ic, M = n * geo->oh * geo->ow;
    /* members split c's rows, or its columns when rows are fewer than members; each gathers
     * whole blocks (the gather costs about 1/ra of the products it feeds) */
    int64_t r0 = 0, r1 = ra, k0 = 0, k1 = K;
    if (ra >= team->size) lk_team_split(team, ra, &r0, &r1);
    else lk_team_split(team, K, &k0, &k1);
    if (r1 <= r0 || k1 <= k0) return;
    if (M == 0) {
        for (int64_t r = r0; r < r1; r++) memset(c + r * K + k0, 0, (size_t)(k1 - k0) * sizeof(float));
        return;
    }
    const int64_t br = block_rows(K);
    float *cols = lk_scratch(LK_SCRATCH_CONV, (size_t)(br * K));
    if (!cols) {
        for (int64_t r = r0; r < r1; r++)
            for (int64_t k = k0; k < k1; k++) c[r * K + k] = NAN;
        return;
    }
    const lk_team solo = lk_team_solo();
    for (int64_t b0 = 0; b0 < M; b0 += br) {
        const int64_t b1 = min64(M, b0 + br);
        gather(geo, x, b0, b1, cols);
        /* c += a^T cols over the block: the first block writes, the rest add on in order */
        lk_sgemm_team(&solo, t, 1, 0, r1 - r0, k1 - k0, b1 - b0, 1.0f, a + b0 * ra + r0, ra,
                      cols + k0, K, b0 ? 1.0f : 0.0f, c + r0 * K + k0, K, NULL,
                      LATENT_ACT_IDENTITY, 0.0f);
    }
}

/* ---- weight layouts ------------------------------------------------------------------------ */

void lk_conv_reorder(const float *w, int64_t B, int kh, int kw, int64_t a0, int64_t a1, float *g)
{
    const int64_t taps = (int64_t)kh * kw;
    for (int64_t a = a0; a < a1; a++)
        for (int64_t b = 0; b < B; b++)
            for (int64_t k = 0; k < taps; k++) g[(a * taps + k) * B + b] = w[(a * B + b) * taps + k];
}

void lk_conv_unreorder(const float *g, int64_t B, int kh, int kw, int64_t a0, int64_t a1,
                       float *w)
{
    const int64_t taps = (int64_t)kh * kw;
    for (int64_t a = a0; a < a1; a++)
        for (int64_t b = 0; b < B; b++)
            for (int64_t k = 0; k < taps; k++) w[(a * B + b) * taps + k] = g[(a * taps + k) * B + b];
}
