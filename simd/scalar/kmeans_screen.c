/* The portable k-means screening pass over one row's scores: four lanes at a time (vec4.h),
 * since it runs over every (row, center) the assignment screens. */
#include <math.h>
#include "../kernels.h"
#include "../vec4.h"

static int64_t kmeans_screen_scalar(int64_t k, const float *cnorm, float *sd, float margin,
                                    int64_t cap, int32_t *cand)
{
    const int64_t k4 = k - k % 4;
    v4f m4 = splat4(INFINITY), bad4 = splat4(0.0f);
    for (int64_t j = 0; j < k4; j += 4) {
        /* 2 sd is exact: one rounding, as the FMA levels' fused form */
        v4f s = load4(cnorm + j) - splat4(2.0f) * load4(sd + j);
        store4(sd + j, s);
        v4i lt = s < m4;
        m4 = (v4f)((lt & (v4i)s) | (~lt & (v4i)m4));
        bad4 += s - s; /* NaN once any score is infinite or NaN */
    }
    float m = INFINITY, bad = bad4[0] + bad4[1] + bad4[2] + bad4[3];
    for (int i = 0; i < 4; i++) m = m4[i] < m ? m4[i] : m;
    for (int64_t j = k4; j < k; j++) {
        sd[j] = cnorm[j] - 2.0f * sd[j];
        m = sd[j] < m ? sd[j] : m;
        bad += sd[j] - sd[j];
    }
    const float top = m + (margin + 0x1p-22f * fabsf(m));
    if (!(bad == 0.0f) || !(top < INFINITY)) return -1;
    int64_t n = 0;
    for (int64_t j = 0; j < k; j++) {
        if (j % 4 == 0 && j + 4 <= k4) {
            v4i out = load4(sd + j) > splat4(top);
            if ((out[0] & out[1] & out[2] & out[3]) != 0) {
                j += 3;
                continue;
            }
        }
        if (sd[j] > top) continue;
        if (n == cap) return -1;
        cand[n++] = (int32_t)j;
    }
    return n;
}

void lk_scalar_fill_kmeans_screen(lk_table *t)
{
    t->kmeans_screen = kmeans_screen_scalar;
}
