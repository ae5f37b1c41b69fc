/* PNG pictures with libpng: image grids, and line plots drawn into an RGB buffer by hand. */
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include "latent/io.h"
#include "src/io/atomic_file.h"

/* Pictures larger than this are a mistake in the arguments, not a request. */
#define PNG_MAX_PIXELS (1ull << 28)

typedef struct png_err {
    char msg[200];
} png_err;

static void on_error(png_structp png, png_const_charp msg)
{
    png_err *e = png_get_error_ptr(png);
    snprintf(e->msg, sizeof e->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

/* Writes 8-bit gray (channels 1) or RGB (channels 3) pixels, row-major, crash-safe. */
static latent_status write_png(const char *path, const unsigned char *pix, int w, int h, int channels)
{
    latent_atomic_file f;
    latent_status st = latent_atomic_open(&f, path);
    if (st != LATENT_OK) return st;
    png_err err = {""};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        latent_atomic_abort(&f);
        return latent_fail(LATENT_ENOMEM, "%s: libpng: out of memory", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        latent_atomic_abort(&f);
        return latent_fail(LATENT_EIO, "%s: libpng: %s", path, err.msg);
    }
    png_init_io(png, f.f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < h; y++) png_write_row(png, pix + (size_t)y * (size_t)w * (size_t)channels);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return latent_atomic_commit(&f);
}

latent_status latent_png_write_grid(const char *path, const float *images, int64_t n, int64_t h,
                                    int64_t w, int cols, float lo, float hi)
{
    if (n < 1 || h < 1 || w < 1 || !(hi > lo) || h > 65536 || w > 65536 || n > (1 << 24))
        return latent_fail(LATENT_EINVAL, "%s: image grid: %lld images of %lld x %lld in [%g, %g]: "
                           "invalid", path, (long long)n, (long long)h, (long long)w, lo, hi);
    if (cols <= 0) cols = (int)ceil(sqrt((double)n));
    if (cols > n) cols = (int)n;
    int64_t rows = (n + cols - 1) / cols;
    int64_t W = cols * (w + 2) + 2, H = rows * (h + 2) + 2;
    if ((uint64_t)W * (uint64_t)H > PNG_MAX_PIXELS)
        return latent_fail(LATENT_EINVAL, "%s: image grid of %lld x %lld pixels is too large", path,
                           (long long)W, (long long)H);
    unsigned char *pix = malloc((size_t)(W * H));
    if (!pix) return latent_fail(LATENT_ENOMEM, "%s: image grid: out of memory", path);
    memset(pix, 128, (size_t)(W * H));  /* the border, and any empty cell */
    for (int64_t k = 0; k < n; k++) {
        int64_t oy = (k / cols) * (h + 2) + 2, ox = (k % cols) * (w + 2) + 2;
        const float *img = images + k * h * w;
        for (int64_t y = 0; y < h; y++)
            for (int64_t x = 0; x < w; x++) {
                float t = (img[y * w + x] - lo) / (hi - lo);
                t = t > 0 ? (t < 1 ? t : 1) : 0;  /* NaN lands on 0 too */
                pix[(oy + y) * W + ox + x] = (unsigned char)lrintf(t * 255.0f);
            }
    }
    latent_status st = write_png(path, pix, (int)W, (int)H, 1);
    free(pix);
    return st;
}

/* ---- the plot ---- */

typedef struct canvas {
    unsigned char *p;
    int w, h;
} canvas;

static void dot(canvas *c, int x, int y, const unsigned char rgb[3])
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h) return;
    memcpy(c->p + ((size_t)y * c->w + x) * 3, rgb, 3);
}

static void rect(canvas *c, int x0, int y0, int x1, int y1, const unsigned char rgb[3])
{
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) dot(c, x, y, rgb);
}

/* A line two pixels wide (Bresenham, with the pixel below and right of each step). */
static void line(canvas *c, int x0, int y0, int x1, int y1, const unsigned char rgb[3], int thick)
{
    int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int e = dx + dy;
    for (;;) {
        dot(c, x0, y0, rgb);
        if (thick) dot(c, x0 + 1, y0, rgb), dot(c, x0, y0 + 1, rgb);
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * e;
        if (e2 >= dy) e += dy, x0 += sx;
        if (e2 <= dx) e += dx, y0 += sy;
    }
}

/* A 3 x 5 pixel font: five rows of three bits each, the leftmost pixel in the high bit. */
static const unsigned char *glyph(char ch)
{
    static const struct { char c; unsigned char rows[5]; } font[] = {
        {'0', {7, 5, 5, 5, 7}}, {'1', {2, 6, 2, 2, 7}}, {'2', {7, 1, 7, 4, 7}}, {'3', {7, 1, 7, 1, 7}},
        {'4', {5, 5, 7, 1, 1}}, {'5', {7, 4, 7, 1, 7}}, {'6', {7, 4, 7, 5, 7}}, {'7', {7, 1, 2, 2, 2}},
        {'8', {7, 5, 7, 5, 7}}, {'9', {7, 5, 7, 1, 7}}, {'.', {0, 0, 0, 0, 2}}, {'-', {0, 0, 7, 0, 0}},
        {'+', {0, 2, 7, 2, 0}}, {'A', {2, 5, 7, 5, 5}}, {'B', {6, 5, 6, 5, 6}}, {'C', {3, 4, 4, 4, 3}},
        {'D', {6, 5, 5, 5, 6}}, {'E', {7, 4, 6, 4, 7}}, {'F', {7, 4, 6, 4, 4}}, {'G', {3, 4, 5, 5, 3}},
        {'H', {5, 5, 7, 5, 5}}, {'I', {7, 2, 2, 2, 7}}, {'J', {1, 1, 1, 5, 2}}, {'K', {5, 5, 6, 5, 5}},
        {'L', {4, 4, 4, 4, 7}}, {'M', {5, 7, 7, 5, 5}}, {'N', {6, 5, 5, 5, 5}}, {'O', {2, 5, 5, 5, 2}},
        {'P', {6, 5, 6, 4, 4}}, {'Q', {2, 5, 5, 6, 3}}, {'R', {6, 5, 6, 5, 5}}, {'S', {3, 4, 2, 1, 6}},
        {'T', {7, 2, 2, 2, 2}}, {'U', {5, 5, 5, 5, 7}}, {'V', {5, 5, 5, 5, 2}}, {'W', {5, 5, 7, 7, 5}},
        {'X', {5, 5, 2, 5, 5}}, {'Y', {5, 5, 2, 2, 2}}, {'Z', {7, 1, 2, 4, 7}}, {'_', {0, 0, 0, 0, 7}},
        {':', {0, 2, 0, 2, 0}}, {'(', {1, 2, 2, 2, 1}}, {')', {4, 2, 2, 2, 4}}, {'/', {1, 1, 2, 4, 4}},
        {'=', {0, 7, 0, 7, 0}}, {',', {0, 0, 0, 2, 4}}, {' ', {0, 0, 0, 0, 0}}, {'?', {7, 1, 2, 0, 2}}};
    if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 'a' + 'A');
    size_t n = sizeof font / sizeof font[0];
    for (size_t i = 0; i < n; i++)
        if (font[i].c == ch) return font[i].rows;
    return font[n - 1].rows;
}

#define FONT_SCALE 2
#define FONT_ADVANCE (4 * FONT_SCALE)

static int text_width(const char *s) { return (int)strlen(s) * FONT_ADVANCE; }

static void text(canvas *c, int x, int y, const char *s, const unsigned char rgb[3])
{
    for (; *s; s++, x += FONT_ADVANCE) {
        const unsigned char *g = glyph(*s);
        for (int r = 0; r < 5; r++)
            for (int b = 0; b < 3; b++)
                if (g[r] >> (2 - b) & 1)
                    rect(c, x + b * FONT_SCALE, y + r * FONT_SCALE, x + b * FONT_SCALE + FONT_SCALE - 1,
                         y + r * FONT_SCALE + FONT_SCALE - 1, rgb);
    }
}

/* A step of 1, 2 or 5 times a power of ten giving about `want` intervals over `range`. */
static double nice_step(double range, int want)
{
    double raw = range / want, p = pow(10, floor(log10(raw))), m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/* A coordinate in pixels, clamped just outside [lo, hi] so that no line runs for billions of
 * steps whatever the data (NaN lands on lo). */
static int to_px(double v, int lo, int hi)
{
    if (!(v >= lo - 1)) return lo - 1;
    if (v > hi + 1) return hi + 1;
    return (int)lrint(v);
}

latent_status latent_png_write_plot(const char *path, const latent_curve *curves, int n_curves,
                                    const char *title, int width, int height)
{
    static const unsigned char palette[8][3] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},
        {214, 39, 40}, {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127}};
    static const unsigned char white[3] = {255, 255, 255}, black[3] = {0, 0, 0}, grid[3] = {225, 225, 225};
    if (width <= 0) width = 640;
    if (height <= 0) height = 480;
    if (n_curves < 1 || width < 200 || height < 150 || width > 8192 || height > 8192)
        return latent_fail(LATENT_EINVAL, "%s: plot: %d curves on %d x %d pixels: invalid", path,
                           n_curves, width, height);
    double ymin = INFINITY, ymax = -INFINITY;
    int64_t nmax = 0;
    for (int i = 0; i < n_curves; i++) {
        if (curves[i].n > nmax) nmax = curves[i].n;
        for (int64_t k = 0; k < curves[i].n; k++)
            if (isfinite(curves[i].y[k])) {
                ymin = fmin(ymin, curves[i].y[k]);
                ymax = fmax(ymax, curves[i].y[k]);
            }
    }
    if (!(ymin <= ymax)) ymin = 0, ymax = 1;  /* nothing finite: empty axes */
    if (ymax - ymin < 1e-12 * fmax(1, fabs(ymax))) {
        double pad = fmax(fabs(ymax) * 0.1, 0.5);
        ymin -= pad, ymax += pad;
    }
    double pad = (ymax - ymin) * 0.05;
    ymin -= pad, ymax += pad;
    double xmin = 1, xmax = nmax > 1 ? (double)nmax : 2;
    canvas c = {malloc((size_t)width * height * 3), width, height};
    if (!c.p) return latent_fail(LATENT_ENOMEM, "%s: plot: out of memory", path);
    memset(c.p, 255, (size_t)width * height * 3);
    int left = 90, right = width - 20, top = 40, bottom = height - 45;
    double ystep = nice_step(ymax - ymin, 6), xstep = fmax(1, nice_step(xmax - xmin, 8));
    char label[64];
#define PX(x) to_px(left + ((x) - xmin) / (xmax - xmin) * (right - left), left, right)
#define PY(y) to_px(bottom - ((y) - ymin) / (ymax - ymin) * (bottom - top), top, bottom)
    int ticks = 0;
    for (double y = ceil(ymin / ystep) * ystep; y <= ymax && ystep > 0 && ticks < 40; y += ystep, ticks++) {
        int py = PY(y);
        line(&c, left, py, right, py, grid, 0);
        line(&c, left - 5, py, left, py, black, 0);
        snprintf(label, sizeof label, "%.4g", fabs(y) < ystep * 1e-6 ? 0.0 : y);
        text(&c, left - 10 - text_width(label), py - 5, label, black);
    }
    ticks = 0;
    for (double x = ceil(xmin / xstep) * xstep; x <= xmax + 1e-9 && ticks < 40; x += xstep, ticks++) {
        int px = PX(x);
        line(&c, px, top, px, bottom, grid, 0);
        line(&c, px, bottom, px, bottom + 5, black, 0);
        snprintf(label, sizeof label, "%.0f", x);
        text(&c, px - text_width(label) / 2, bottom + 10, label, black);
    }
    line(&c, left, top, left, bottom, black, 0);
    line(&c, left, bottom, right, bottom, black, 0);
    text(&c, (left + right) / 2 - text_width("epoch") / 2, height - 15, "epoch", black);
    if (title) text(&c, (left + right) / 2 - text_width(title) / 2, 12, title, black);
    for (int i = 0; i < n_curves; i++) {
        const unsigned char *col = palette[i % 8];
        int have = 0, px0 = 0, py0 = 0;
        for (int64_t k = 0; k < curves[i].n; k++) {
            double y = curves[i].y[k];
            if (!isfinite(y)) {
                have = 0;
                continue;
            }
            int px = PX((double)(k + 1)), py = PY(y);
            if (have) line(&c, px0, py0, px, py, col, 1);
            else rect(&c, px - 1, py - 1, px + 1, py + 1, col);
            px0 = px, py0 = py, have = 1;
        }
    }
    /* The legend: a swatch and the label of each curve, top right inside the axes. */
    int lw = 0;
    for (int i = 0; i < n_curves; i++) {
        int tw = text_width(curves[i].label ? curves[i].label : "");
        if (tw > lw) lw = tw;
    }
    int lx = right - lw - 40, ly = top + 8;
    rect(&c, lx - 6, ly - 6, right - 6, ly + n_curves * 16 + 2, white);
    for (int i = 0; i < n_curves; i++) {
        rect(&c, lx, ly + i * 16 + 2, lx + 18, ly + i * 16 + 6, palette[i % 8]);
        text(&c, lx + 26, ly + i * 16, curves[i].label ? curves[i].label : "", black);
    }
#undef PX
#undef PY
    latent_status st = write_png(path, c.p, width, height, 3);
    free(c.p);
    return st;
}
