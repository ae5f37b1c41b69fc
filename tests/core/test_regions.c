/* Every OpenMP parallel region in src/ and simd/ starts with LK_REGION_ENTERED(), the hook that
 * counts a region opened inside another (tests require the count to stay 0); and teams inside a
 * region synchronize among themselves only. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "simd/team.h"

/* Lines of a file that open a region without the hook within the next three lines. */
static int unhooked(const char *path, char *first, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[4][512];
    int n = 0, missing = 0, at = 0, pending = 0, lineno = 0, pending_line = 0;
    while (fgets(line[n % 4], sizeof line[0], f)) {
        lineno++;
        const char *l = line[n % 4];
        n++;
        if (pending && strstr(l, "LK_REGION_ENTERED")) pending = 0;
        else if (pending && ++at > 3) {
            if (!missing++) snprintf(first, size, "%s:%d", path, pending_line);
            pending = 0;
        }
        const char *p = l + strspn(l, " \t");
        if (strncmp(p, "#pragma omp parallel", 20) == 0) pending = 1, at = 0, pending_line = lineno;
    }
    fclose(f);
    return missing + pending;
}

static int walk(const char *dir, char *first, size_t size, int *files)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int missing = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len = strlen(e->d_name);
        if (len > 2 && strcmp(e->d_name + len - 2, ".c") == 0) {
            (*files)++;
            missing += unhooked(path, first, size);
        } else if (!strchr(e->d_name, '.')) {
            missing += walk(path, first, size, files);
        }
    }
    closedir(d);
    return missing;
}

Test(regions, every_region_counts_nesting)
{
    char first[1100] = "";
    int files = 0, missing = 0;
    missing += walk(LATENT_SOURCE_ROOT "/src", first, sizeof first, &files);
    missing += walk(LATENT_SOURCE_ROOT "/simd", first, sizeof first, &files);
    cr_assert_gt(files, 40, "found only %d source files under " LATENT_SOURCE_ROOT, files);
    cr_expect_eq(missing, 0, "%d parallel regions without LK_REGION_ENTERED (first: %s)", missing,
                 first);
}

/* Four threads as two teams of two: each team's barrier orders its own members only, and a
 * member sees what its partner wrote before the barrier, round after round. */
Test(regions, team_barriers_order_each_team)
{
    enum { ROUNDS = 2000 };
    static int slot[4], seen_bad;
    lk_barrier bar[2];
    lk_barrier_init(&bar[0]);
    lk_barrier_init(&bar[1]);
    int team_size = 0;
#pragma omp parallel num_threads(4)
    {
        LK_REGION_ENTERED();
        const int t = omp_get_thread_num();
#pragma omp single
        team_size = omp_get_num_threads();
        if (team_size == 4) {
            const lk_team team = {t % 2, 2, &bar[t / 2]};
            const int partner = t ^ 1;
            for (int r = 1; r <= ROUNDS; r++) {
                __atomic_store_n(&slot[t], r, __ATOMIC_RELAXED);
                lk_team_sync(&team);
                if (__atomic_load_n(&slot[partner], __ATOMIC_RELAXED) < r)
                    __atomic_store_n(&seen_bad, 1, __ATOMIC_RELAXED);
                lk_team_sync(&team);
            }
        }
    }
    if (team_size != 4) cr_skip_test("the runtime gave %d threads, not 4", team_size);
    cr_expect_eq(seen_bad, 0, "a member passed the barrier before its partner arrived");
    cr_expect_eq(lk_nested_regions(), 0);
}
