/* The Hungarian algorithm (shortest augmenting paths with row and column potentials): a minimum
 * cost matching of r rows into c >= r columns in O(r^2 c). */
#include <math.h>
#include "latent/memory.h"
#include "latent/metrics.h"

latent_status latent_hungarian(int64_t r, int64_t c, const double *cost, int64_t *assignment,
                               double *total)
{
    if (r < 0 || c < r)
        return latent_fail(LATENT_EINVAL, "hungarian: shape: %lld x %lld, need rows <= columns",
                           (long long)r, (long long)c);
    if (r > 0 && (!cost || !assignment)) return latent_fail(LATENT_EINVAL, "hungarian: NULL matrix");
    for (int64_t i = 0; i < r * c; i++)
        if (!isfinite(cost[i]))
            return latent_fail(LATENT_EINVAL, "hungarian: cost[%lld]: %g is not finite",
                               (long long)i, cost[i]);
    /* Index 0 is a virtual column that holds the row being inserted; rows and columns count
     * from 1 in u, v, owner and via. */
    double *u = latent_calloc((size_t)r + 1, sizeof(double), "hungarian: row potentials");
    double *v = latent_calloc((size_t)c + 1, sizeof(double), "hungarian: column potentials");
    double *slack = latent_alloc((size_t)c + 1, sizeof(double), "hungarian: slack");
    int64_t *owner = latent_calloc((size_t)c + 1, sizeof(int64_t), "hungarian: column owners");
    int64_t *via = latent_calloc((size_t)c + 1, sizeof(int64_t), "hungarian: path");
    unsigned char *used = latent_alloc((size_t)c + 1, 1, "hungarian: visited");
    latent_status st = LATENT_OK;
    if (!u || !v || !slack || !owner || !via || !used) { st = LATENT_ENOMEM; goto out; }

    for (int64_t i = 1; i <= r; i++) {
        owner[0] = i;
        int64_t j0 = 0;
        for (int64_t j = 0; j <= c; j++) { slack[j] = INFINITY; used[j] = 0; }
        /* Grow a tree of tight edges from row i until it reaches a free column. */
        do {
            used[j0] = 1;
            int64_t i0 = owner[j0], j1 = 0;
            double delta = INFINITY;
            for (int64_t j = 1; j <= c; j++) {
                if (used[j]) continue;
                double red = cost[(i0 - 1) * c + (j - 1)] - u[i0] - v[j];
                if (red < slack[j]) { slack[j] = red; via[j] = j0; }
                if (slack[j] < delta) { delta = slack[j]; j1 = j; }
            }
            for (int64_t j = 0; j <= c; j++) {
                if (used[j]) { u[owner[j]] += delta; v[j] -= delta; }
                else slack[j] -= delta;
            }
            j0 = j1;
        } while (owner[j0] != 0);
        /* Flip the matching along the path back to the virtual column. */
        do {
            int64_t j1 = via[j0];
            owner[j0] = owner[j1];
            j0 = j1;
        } while (j0 != 0);
    }
    double sum = 0.0;
    for (int64_t j = 1; j <= c; j++)
        if (owner[j] != 0) {
            assignment[owner[j] - 1] = j - 1;
            sum += cost[(owner[j] - 1) * c + (j - 1)];
        }
    if (total) *total = sum;
out:
    latent_free(u); latent_free(v); latent_free(slack);
    latent_free(owner); latent_free(via); latent_free(used);
    return st;
}
