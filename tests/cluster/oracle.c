/* The scikit-learn oracle: Debian's /usr/bin/python3 runs the case into a fresh temporary dir. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "oracle.h"

int oracle_run(oracle *o, const char *cas, const char *extra)
{
    snprintf(o->dir, sizeof o->dir, "/tmp/latent-oracle-XXXXXX");
    if (!mkdtemp(o->dir)) return -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/cluster/sklearn_oracle.py %s %s %s",
             LATENT_SOURCE_ROOT, cas, o->dir, extra);
    return system(cmd);
}

void *oracle_read(const oracle *o, const char *name, size_t *bytes)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", o->dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *p = malloc(size > 0 ? (size_t)size : 1);
    if (p && fread(p, 1, (size_t)size, f) != (size_t)size) { free(p); p = NULL; }
    fclose(f);
    if (bytes) *bytes = (size_t)size;
    return p;
}

double oracle_meta(const oracle *o, const char *key)
{
    char path[512], k[64];
    double v;
    snprintf(path, sizeof path, "%s/meta.txt", o->dir);
    FILE *f = fopen(path, "r");
    if (!f) return NAN;
    while (fscanf(f, "%63s %lf", k, &v) == 2)
        if (strcmp(k, key) == 0) { fclose(f); return v; }
    fclose(f);
    return NAN;
}

void oracle_done(oracle *o)
{
    const char *names[] = {"x.f32", "init.f32", "w.f32", "labels.i32", "centers.f32", "a.i32",
                           "b.i32", "meta.txt"};
    char path[512];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", o->dir, names[i]);
        unlink(path);
    }
    rmdir(o->dir);
}
