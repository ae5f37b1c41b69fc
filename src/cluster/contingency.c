/* Contingency tables: distinct label values ranked, then every row counted once. */
#include <stdlib.h>
#include <string.h>
#include "contingency.h"
#include "latent/memory.h"

static int cmp_i32(const void *pa, const void *pb)
{
    int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
    return (a > b) - (a < b);
}

/* Sorted distinct values of v into u (capacity n); returns their count. */
static int64_t distinct(int64_t n, const int32_t *v, int32_t *u)
{
    memcpy(u, v, (size_t)n * sizeof(int32_t));
    qsort(u, (size_t)n, sizeof(int32_t), cmp_i32);
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (m == 0 || u[m - 1] != u[i]) u[m++] = u[i];
    return m;
}

static int64_t rank_of(const int32_t *u, int64_t m, int32_t x)
{
    int64_t lo = 0, hi = m - 1;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (u[mid] < x) lo = mid + 1; else hi = mid;
    }
    return lo;
}

latent_status ct_build(int64_t n, const int32_t *a, const int32_t *b, const char *who, ct_table *t)
{
    memset(t, 0, sizeof *t);
    if (n < 1) return latent_fail(LATENT_EINVAL, "%s: n: %lld rows, need at least one", who, (long long)n);
    if (!a || !b) return latent_fail(LATENT_EINVAL, "%s: labels: NULL", who);
    int32_t *ua = latent_alloc((size_t)n, sizeof(int32_t), "contingency: classes");
    int32_t *ub = latent_alloc((size_t)n, sizeof(int32_t), "contingency: clusters");
    latent_status st = LATENT_OK;
    if (!ua || !ub) { st = LATENT_ENOMEM; goto out; }
    t->n = n;
    t->r = distinct(n, a, ua);
    t->c = distinct(n, b, ub);
    size_t cells;
    if (!latent_mul_ok((size_t)t->r, (size_t)t->c, &cells) || cells > ((size_t)1 << 28)) {
        st = latent_fail(LATENT_ENOMEM, "%s: %lld classes x %lld clusters is too large a table",
                         who, (long long)t->r, (long long)t->c);
        goto out;
    }
    t->count = latent_calloc(cells, sizeof(int64_t), "contingency: table");
    t->rsum = latent_calloc((size_t)t->r, sizeof(int64_t), "contingency: row sums");
    t->csum = latent_calloc((size_t)t->c, sizeof(int64_t), "contingency: column sums");
    if (!t->count || !t->rsum || !t->csum) { st = LATENT_ENOMEM; goto out; }
    for (int64_t i = 0; i < n; i++) {
        int64_t x = rank_of(ua, t->r, a[i]), y = rank_of(ub, t->c, b[i]);
        t->count[x * t->c + y]++;
        t->rsum[x]++;
        t->csum[y]++;
    }
out:
    latent_free(ua);
    latent_free(ub);
    if (st != LATENT_OK) ct_free(t);
    return st;
}

void ct_free(ct_table *t)
{
    latent_free(t->count);
    latent_free(t->rsum);
    latent_free(t->csum);
    memset(t, 0, sizeof *t);
}
