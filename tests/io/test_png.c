/* PNG grids and plots, read back with libpng. */
#include <math.h>
#include <png.h>
#include "io_test.h"
#include "latent/io.h"

static unsigned char *read_png(const char *path, int rgb, png_uint_32 *w, png_uint_32 *h)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    cr_assert(png_image_begin_read_from_file(&im, path), "%s", im.message);
    im.format = rgb ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    unsigned char *p = malloc(PNG_IMAGE_SIZE(im));
    cr_assert(png_image_finish_read(&im, NULL, p, 0, NULL), "%s", im.message);
    *w = im.width;
    *h = im.height;
    return p;
}

Test(png, grid_layout_and_values)
{
    char dir[256], path[300];
    scratch_dir(dir);
    snprintf(path, sizeof path, "%s/g.png", dir);
    enum { n = 5, h = 3, w = 4 };
    float img[n * h * w];
    for (int i = 0; i < n * h * w; i++) img[i] = (float)(i % 5) / 2.0f - 1.0f;  /* -1 .. 1 */
    cr_assert_eq(latent_png_write_grid(path, img, n, h, w, 3, -1, 1), LATENT_OK, "%s", latent_last_error());
    png_uint_32 W, H;
    unsigned char *p = read_png(path, 0, &W, &H);
    cr_expect_eq(W, 3 * (w + 2) + 2);
    cr_expect_eq(H, 2 * (h + 2) + 2);
    cr_expect_eq(p[0], 128);
    for (int k = 0; k < n; k++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int oy = (k / 3) * (h + 2) + 2, ox = (k % 3) * (w + 2) + 2;
                float v = (img[(k * h + y) * w + x] + 1) / 2;
                cr_expect_eq(p[(oy + y) * W + ox + x], (unsigned char)lrintf(v * 255));
            }
    free(p);
    cr_expect_eq(latent_png_write_grid(path, img, 0, h, w, 3, 0, 1), LATENT_EINVAL);
}

Test(png, loss_plot_has_curves_in_their_colors)
{
    char dir[256], path[300];
    scratch_dir(dir);
    snprintf(path, sizeof path, "%s/loss.png", dir);
    double train[10], test[10];
    for (int i = 0; i < 10; i++) train[i] = 0.5 / (i + 1), test[i] = 0.55 / (i + 1) + 0.01;
    test[4] = NAN;
    latent_curve c[2] = {{"train", train, 10}, {"test", test, 10}};
    cr_assert_eq(latent_png_write_plot(path, c, 2, "AE loss", 640, 480), LATENT_OK, "%s", latent_last_error());
    png_uint_32 W, H;
    unsigned char *p = read_png(path, 1, &W, &H);
    cr_expect_eq(W, 640u);
    cr_expect_eq(H, 480u);
    int blue = 0, orange = 0, black = 0;
    for (size_t i = 0; i < (size_t)W * H; i++) {
        unsigned char *q = p + 3 * i;
        blue += q[0] == 31 && q[1] == 119 && q[2] == 180;
        orange += q[0] == 255 && q[1] == 127 && q[2] == 14;
        black += q[0] == 0 && q[1] == 0 && q[2] == 0;
    }
    cr_expect_gt(blue, 400);
    cr_expect_gt(orange, 400);
    cr_expect_gt(black, 800);
    free(p);
}

Test(png, plot_survives_extreme_values)
{
    char dir[256], path[300];
    scratch_dir(dir);
    snprintf(path, sizeof path, "%s/x.png", dir);
    double tiny[2] = {1e-310, 2e-310}, huge[3] = {-1e308, 1e308, 0}, nan2[2] = {NAN, INFINITY}, one[1] = {3};
    latent_curve c[4] = {{"tiny", tiny, 2}, {"huge", huge, 3}, {"nan", nan2, 2}, {"one", one, 1}};
    for (int i = 0; i < 4; i++)
        cr_expect_eq(latent_png_write_plot(path, &c[i], 1, NULL, 300, 200), LATENT_OK, "%d: %s", i, latent_last_error());
    cr_expect_eq(latent_png_write_plot(path, c, 4, "all", 0, 0), LATENT_OK);
    cr_expect_eq(latent_png_write_plot(path, c, 0, "none", 0, 0), LATENT_EINVAL);
}
