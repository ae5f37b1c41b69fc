/* Convolutions as gathers and GEMMs: each member of a team gathers the input rows its block of
 * output pixels reads (a cache-sized block, never the whole im2col) and multiplies them by the
 * weights, packed once per call for the level's micro-kernels; a transposed correlation runs one
 * gather per residue class of its output pixels, so no output is ever a scattered sum across
 * threads. One output channel goes to rows_dot instead of a one-column GEMM, and a transposed
 * correlation to a few channels becomes one GEMM per image and a sum of its taps in place. */
#include <math.h>
#include <string.h>
#include "conv.h"
#include "gemm.h"
#include "scratch.h"
#include "vec4.h"

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Gathered rows per block: about a megabyte of them, 96 to 1024 rows, in whole micro-kernel
 * tiles so no block ends on a part tile. */
static int64_t block_rows(const lk_table *t, int64_t k)
{
    const int64_t r = max64(96, min64(1024, ((int64_t)1 << 18) / max64(k, 1)));
    return r - r % t->mr;
}

/* A few floats, copied inline: a library call per tap costs more than a one-channel tap. Four
 * at a time, then the rest (a 5-wide one-channel tap is one vector move and one float). */
static inline void copy_floats(float *dst, const float *src, int64_t n)
{
    if (n > 16) {
        memcpy(dst, src, (size_t)n * sizeof(float));
        return;
    }
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) store4(dst + i, load4(src + i));
    for (; i < n; i++) dst[i] = src[i];
}

static inline void zero_floats(float *dst, int64_t n)
{
    if (n > 16) {
        memset(dst, 0, (size_t)n * sizeof(float));
        return;
    }
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) store4(dst + i, splat4(0.0f));
    for (; i < n; i++) dst[i] = 0.0f;
}

/* ---- the correlation ---------------------------------------------------------------------- */

/* Rows [p0, p1) of the correlation's gathered input, ld floats apart: row p - p0 holds, tap
 * after tap, the IC channels pixel p reads (zeros outside the image), then zeros up to ld.
 * Pixels are walked image, row, column, with no division per pixel (a one-channel tap is a few
 * floats). */
static void gather(const lk_conv_geom *g, const float *x, int64_t p0, int64_t p1, float *cols,
                   int64_t ld)
{
    /* the geometry in locals: the copies' stores would otherwise reload it every tap */
    const int64_t ic = g->ic, IH = g->ih, IW = g->iw, OH = g->oh, OW = g->ow;
    const int64_t KH = g->kh, KW = g->kw, SH = g->sh, SW = g->sw, PH = g->ph, PW = g->pw;
    const int64_t K = KH * KW * ic, plane = OH * OW, tapw = KW * ic, xrow = IW * ic;
    int64_t img = p0 / plane, oh = p0 % plane / OW, ow = p0 % OW;
    for (int64_t p = p0; p < p1; p++) {
        float *row = cols + (p - p0) * ld;
        zero_floats(row + K, ld - K);
        const float *xi = x + img * IH * xrow;
        const int64_t iw0 = ow * SW - PW, ih0 = oh * SH - PH;
        const int inside_w = iw0 >= 0 && iw0 + KW <= IW;
        if (inside_w && ih0 >= 0 && ih0 + KH <= IH) {
            /* the whole window inside the image: one copy per kernel row */
            const float *src = xi + ih0 * xrow + iw0 * ic;
            for (int64_t kh = 0; kh < KH; kh++) copy_floats(row + kh * tapw, src + kh * xrow, tapw);
        } else {
            for (int64_t kh = 0; kh < KH; kh++, row += tapw) {
                const int64_t ih = ih0 + kh;
                if (ih < 0 || ih >= IH) {
                    zero_floats(row, tapw);
                    continue;
                }
                const float *xr = xi + ih * xrow;
                if (inside_w) { /* every tap of the row inside: one copy */
                    copy_floats(row, xr + iw0 * ic, tapw);
                    continue;
                }
                for (int64_t kw = 0; kw < KW; kw++) {
                    const int64_t iw = iw0 + kw;
                    if (iw < 0 || iw >= IW) zero_floats(row + kw * ic, ic);
                    else copy_floats(row + kw * ic, xr + iw * ic, ic);
                }
            }
        }
        if (++ow == OW) {
            ow = 0;
            if (++oh == OH) oh = 0, img++;
        }
    }
}

/* y = act(bias + cols g) for `rows` gathered rows of K, g [K][oc] (packed: `packed`): a GEMM,
 * or rows_dot for one output. */
static void multiply(const lk_table *t, int64_t rows, int64_t K, const float *cols,
                     const float *g, const float *packed, int64_t oc, const float *bias,
                     latent_act act, float slope, float *y, int64_t ldy)
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
    lk_sgemm_packed(t, 0, rows, oc, K, cols, K, packed, 0.0f, y, ldy, bias, act, slope);
}

/* Floats of a packed [k][n] B at any level: n rounded up to panels of nr <= 64 columns (the
 * framework's widest tile: SVE's at 512 bits is 48) is at most n + 63, whatever nr is. */
static size_t packed_bound(int64_t k, int64_t n) { return (size_t)(k * (n + 63)); }

size_t lk_conv_wbuf_floats(const lk_conv_geom *geo, int64_t oc)
{
    const int64_t taps = (int64_t)geo->kh * geo->kw, K = taps * geo->ic;
    /* the correlation's packed weights; the transposed one's class weights and their packing;
     * or the per-image products' packed weights (few channels): whichever is largest */
    const size_t corr = packed_bound(K, oc);
    const size_t trans = (size_t)(K * oc) + packed_bound(taps * oc, geo->ic);
    const size_t small = packed_bound(oc, K);
    return corr > trans ? (corr > small ? corr : small) : (trans > small ? trans : small);
}

void lk_conv_correlate(const lk_team *team, const lk_table *t, const lk_conv_geom *geo,
                       int64_t n, const float *x, const float *g, int64_t oc, const float *bias,
                       latent_act act, float slope, float *y, float *wbuf)
{
    const int64_t K = (int64_t)geo->kh * geo->kw * geo->ic, M = n * geo->oh * geo->ow;
    if (oc > 1) {
        lk_sgemm_pack_b(team, t, 0, K, oc, g, oc, wbuf);
        lk_team_sync(team);
    }
    int64_t p0, p1;
    lk_team_split(team, M, &p0, &p1);
    if (p1 <= p0) return;
    const int64_t br = block_rows(t, K);
    float *cols = lk_scratch(LK_SCRATCH_CONV, (size_t)(br * K));
    if (!cols) {
        /* out of memory: NaN, which the training loop's finite checks stop on */
        for (int64_t i = p0 * oc; i < p1 * oc; i++) y[i] = NAN;
        return;
    }
    for (int64_t b0 = p0; b0 < p1; b0 += br) {
        const int64_t b1 = min64(p1, b0 + br);
        gather(geo, x, b0, b1, cols, K);
        multiply(t, b1 - b0, K, cols, g, wbuf, oc, bias, act, slope, y + b0 * oc, oc);
    }
}

/* Every output of a transposed correlation NaN: what an out-of-memory gather leaves. */
static void fill_nan(float *y, const lk_conv_geom *geo, int64_t n, int64_t c)
{
    for (int64_t i = 0; i < n * geo->ih * geo->iw * c; i++) y[i] = NAN;
}

/* ---- the transposed correlation to a few channels ----------------------------------------
 * Each image's output-grid pixels times every tap's weights in one GEMM (x [pixels][oc] by
 * g^T [oc][tap, c]), then each input-space value sums the products that land on it, pixels and
 * taps in order: one image is one member's, so the order never depends on the team. */
#define SMALL_IC 4

static void transposed_small(const lk_team *team, const lk_table *t, const lk_conv_geom *geo,
                             int64_t n, const float *x, const float *g, int64_t oc,
                             const float *bias, latent_act act, float slope, float *y,
                             float *wbuf)
{
    const int64_t IC = geo->ic, K = (int64_t)geo->kh * geo->kw * IC, plane = geo->oh * geo->ow;
    const int64_t out_plane = geo->ih * geo->iw * IC;
    lk_sgemm_pack_b(team, t, 1, oc, K, g, oc, wbuf);
    lk_team_sync(team);
    int64_t i0, i1;
    lk_team_split(team, n, &i0, &i1);
    if (i1 <= i0) return;
    float *z = lk_scratch(LK_SCRATCH_CONV, (size_t)(plane * K));
    if (!z) {
        for (int64_t i = i0 * out_plane; i < i1 * out_plane; i++) y[i] = NAN;
        return;
    }
    for (int64_t img = i0; img < i1; img++) {
        lk_sgemm_packed(t, 0, plane, K, oc, x + img * plane * oc, oc, wbuf, 0.0f, z, K, NULL,
                        LATENT_ACT_IDENTITY, 0.0f);
        float *yi = y + img * out_plane;
        for (int64_t i = 0; i < out_plane; i++) yi[i] = 0.0f;
        for (int64_t oh = 0; oh < geo->oh; oh++)
            for (int64_t ow = 0; ow < geo->ow; ow++) {
                const float *zp = z + (oh * geo->ow + ow) * K;
                const int64_t ih0 = oh * geo->sh - geo->ph, iw0 = ow * geo->sw - geo->pw;
                /* the kernel columns that land inside the image */
                const int kw0 = iw0 < 0 ? (int)-iw0 : 0;
                const int kw1 = iw0 + geo->kw > geo->iw ? (int)(geo->iw - iw0) : geo->kw;
                for (int kh = 0; kh < geo->kh; kh++) {
                    const int64_t ih = ih0 + kh;
                    if (ih < 0 || ih >= geo->ih) continue;
                    float *dst = yi + (ih * geo->iw + iw0) * IC;
                    const float *src = zp + (int64_t)kh * geo->kw * IC;
                    for (int64_t e = (int64_t)kw0 * IC; e < (int64_t)kw1 * IC; e++) dst[e] += src[e];
                }
            }
        /* the epilogue's order: the bias (or zero) after the sum, then the activation (pixel
         * by pixel, channel by channel: a division per value cost an eighth of the pass) */
        for (int64_t i = 0; i < out_plane; i += IC)
            for (int64_t c = 0; c < IC; c++) yi[i + c] = yi[i + c] + (bias ? bias[c] : 0.0f);
        if (act != LATENT_ACT_IDENTITY) t->act_fwd[act](out_plane, yi, yi, slope);
    }
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

static void class_of(int64_t in, int k, int s, int p, int r, klass *c)
{
    c->i0 = ((r - p) % s + s) % s;
    c->q = c->i0 < in ? (in - 1 - c->i0) / s + 1 : 0;
    c->taps = 0;
    for (int kk = r; kk < k; kk += s) {
        c->k[c->taps] = kk;
        c->d[c->taps++] = (c->i0 + p - kk) / s;
    }
}

/* Gathered rows [p0, p1) of a class (p over n x qh x qw): tap after tap, oc channels of x. */
static void gather_class(const lk_conv_geom *g, const klass *ch, const klass *cw, const float *x,
                         int64_t oc, int64_t p0, int64_t p1, float *cols)
{
    const int64_t K = (int64_t)ch->taps * cw->taps * oc, plane = ch->q * cw->q;
    for (int64_t p = p0; p < p1; p++) {
        float *row = cols + (p - p0) * K;
        const int64_t img = p / plane, r = p % plane, qh = r / cw->q, qw = r % cw->q;
        const float *xi = x + img * g->oh * g->ow * oc;
        for (int a = 0; a < ch->taps; a++) {
            const int64_t oh = qh + ch->d[a];
            for (int b = 0; b < cw->taps; b++, row += oc) {
                const int64_t ow = qw + cw->d[b];
                if (oh < 0 || oh >= g->oh || ow < 0 || ow >= g->ow) zero_floats(row, oc);
                else copy_floats(row, xi + (oh * g->ow + ow) * oc, oc);
            }
        }
    }
}

/* The classes of each axis, and where each class's weights start in the shared buffer: its
 * [tap, o][c] weights at `at`, their packing at `packed`. */
typedef struct classes {
    klass h[16], w[16];
    int64_t at[16][16], packed[16][16];
} classes;

static void classes_of(const lk_table *t, const lk_conv_geom *geo, int64_t oc, classes *cl)
{
    int64_t at = 0;
    for (int rh = 0; rh < geo->sh; rh++) class_of(geo->ih, geo->kh, geo->sh, geo->ph, rh, &cl->h[rh]);
    for (int rw = 0; rw < geo->sw; rw++) class_of(geo->iw, geo->kw, geo->sw, geo->pw, rw, &cl->w[rw]);
    for (int rh = 0; rh < geo->sh; rh++)
        for (int rw = 0; rw < geo->sw; rw++) {
            cl->at[rh][rw] = at;
            at += geo->ic * cl->h[rh].taps * cl->w[rw].taps * oc;
        }
    for (int rh = 0; rh < geo->sh; rh++)
        for (int rw = 0; rw < geo->sw; rw++) {
            cl->packed[rh][rw] = at;
            at += (int64_t)lk_sgemm_packed_floats(t, cl->h[rh].taps * cl->w[rw].taps * oc, geo->ic);
        }
}

void lk_conv_correlate_transposed(const lk_team *team, const lk_table *t,
                                  const lk_conv_geom *geo, int64_t n, const float *x,
                                  const float *g, int64_t oc, const float *bias, latent_act act,
                                  float slope, float *y, float *wbuf)
{
    const int64_t IC = geo->ic;
    if (IC <= SMALL_IC) {
        transposed_small(team, t, geo, n, x, g, oc, bias, act, slope, y, wbuf);
        return;
    }
    classes cl;
    classes_of(t, geo, oc, &cl);
    /* each class's weights [tap, o][c] from g [tap, c][o] (each tap's block transposed), built
     * by the whole team, then packed for the micro-kernel */
    int64_t c0, c1;
    lk_team_split(team, IC, &c0, &c1);
    for (int rh = 0; rh < geo->sh; rh++)
        for (int rw = 0; rw < geo->sw; rw++) {
            const klass *ch = &cl.h[rh], *cw = &cl.w[rw];
            for (int a = 0; a < ch->taps; a++)
                for (int b = 0; b < cw->taps; b++) {
                    const float *gt = g + ((int64_t)ch->k[a] * geo->kw + cw->k[b]) * IC * oc;
                    float *wt = wbuf + cl.at[rh][rw] + ((int64_t)a * cw->taps + b) * oc * IC;
                    for (int64_t c = c0; c < c1; c++)
                        for (int64_t o = 0; o < oc; o++) wt[o * IC + c] = gt[c * oc + o];
                }
        }
    lk_team_sync(team);
    for (int rh = 0; rh < geo->sh; rh++)
        for (int rw = 0; rw < geo->sw; rw++) {
            const int64_t K = (int64_t)cl.h[rh].taps * cl.w[rw].taps * oc;
            if (K > 0)
                lk_sgemm_pack_b(team, t, 0, K, IC, wbuf + cl.at[rh][rw], IC, wbuf + cl.packed[rh][rw]);
        }
    lk_team_sync(team);
    for (int rh = 0; rh < geo->sh; rh++)
        for (int rw = 0; rw < geo->sw; rw++) {
            const klass *ch = &cl.h[rh], *cw = &cl.w[rw];
            const int64_t M = n * ch->q * cw->q, K = (int64_t)ch->taps * cw->taps * oc;
            int64_t p0, p1;
            lk_team_split(team, M, &p0, &p1);
            if (p1 <= p0) continue;
            const int64_t br = block_rows(t, K);
            float *cols = lk_scratch(LK_SCRATCH_CONV, (size_t)(br * K + br * IC));
            if (!cols) {
                fill_nan(y, geo, n, IC); /* out of memory: the loop's finite checks stop here */
                continue;
            }
            float *prod = cols + br * K;
            const int64_t plane = ch->q * cw->q;
            for (int64_t b0 = p0; b0 < p1; b0 += br) {
                const int64_t b1 = min64(p1, b0 + br);
                if (K > 0) {
                    gather_class(geo, ch, cw, x, oc, b0, b1, cols);
                    multiply(t, b1 - b0, K, cols, wbuf + cl.at[rh][rw], wbuf + cl.packed[rh][rw],
                             IC, bias, act, slope, prod, IC);
                } else {
                    /* no tap reaches these pixels: the bias (or zero) alone, activated */
                    for (int64_t i = 0; i < (b1 - b0) * IC; i++) prod[i] = 0.0f + (bias ? bias[i % IC] : 0.0f);
                    if (act != LATENT_ACT_IDENTITY) t->act_fwd[act]((b1 - b0) * IC, prod, prod, slope);
                }
                for (int64_t p = b0; p < b1; p++) {
                    const int64_t img = p / plane, r = p % plane;
                    const int64_t ih = ch->i0 + (r / cw->q) * geo->sh, iw = cw->i0 + (r % cw->q) * geo->sw;
                    copy_floats(y + ((img * geo->ih + ih) * geo->iw + iw) * IC, prod + (p - b0) * IC, IC);
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
    /* A member with every column of a narrow c (K within one micro-kernel panel: a one-channel
     * 5x5 layer at 512 bits) gathers its rows nr apart, zero-padded, which is the packed B the
     * GEMM would copy them into: one pass over the block instead of two. */
    const int in_panel = K <= t->nr && k0 == 0 && k1 == K;
    const int64_t br = block_rows(t, K), ld = in_panel ? t->nr : K;
    float *cols = lk_scratch(LK_SCRATCH_CONV, (size_t)(br * ld));
    if (!cols) {
        for (int64_t r = r0; r < r1; r++)
            for (int64_t k = k0; k < k1; k++) c[r * K + k] = NAN;
        return;
    }
    const lk_team solo = lk_team_solo();
    for (int64_t b0 = 0; b0 < M; b0 += br) {
        const int64_t b1 = min64(M, b0 + br);
        gather(geo, x, b0, b1, cols, ld);
        /* c += a^T cols over the block: the first block writes, the rest add on in order */
        if (in_panel)
            lk_sgemm_packed(t, 1, r1 - r0, K, b1 - b0, a + b0 * ra + r0, ra, cols,
                            b0 ? 1.0f : 0.0f, c + r0 * K, K, NULL, LATENT_ACT_IDENTITY, 0.0f);
        else
            lk_sgemm_team(&solo, t, 1, 0, r1 - r0, k1 - k0, b1 - b0, 1.0f, a + b0 * ra + r0, ra,
                          cols + k0, K, b0 ? 1.0f : 0.0f, c + r0 * K + k0, K, NULL,
                          LATENT_ACT_IDENTITY, 0.0f);
    }
}

/* ---- weight layouts ------------------------------------------------------------------------ */

void lk_conv_reorder(const float *w, int64_t A, int64_t B, int kh, int kw, int64_t a0, int64_t a1,
                     float *g)
{
    const int64_t taps = (int64_t)kh * kw;
    for (int64_t a = a0; a < a1; a++)
        for (int64_t b = 0; b < B; b++)
            for (int64_t k = 0; k < taps; k++) g[(k * B + b) * A + a] = w[(a * B + b) * taps + k];
}

void lk_conv_unreorder(const float *g, int64_t B, int kh, int kw, int64_t a0, int64_t a1,
                       float *w)
{
    const int64_t taps = (int64_t)kh * kw;
    for (int64_t a = a0; a < a1; a++)
        for (int64_t b = 0; b < B; b++)
            for (int64_t k = 0; k < taps; k++) w[(a * B + b) * taps + k] = g[(a * taps + k) * B + b];
}
