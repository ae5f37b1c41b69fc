/* Write-to-temporary, fsync, rename, fsync-the-folder: a kill at any moment leaves either the
 * old file or the new one whole, never a mixture. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <unistd.h>
#include "src/io/atomic_file.h"

latent_status latent_atomic_open(latent_atomic_file *a, const char *path)
{
    memset(a, 0, sizeof *a);
    if (strlen(path) >= sizeof a->path)
        return latent_fail(LATENT_EINVAL, "%s: path too long", path);
    snprintf(a->path, sizeof a->path, "%s", path);
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp", path);
    a->f = fopen(a->tmp, "wb");
    if (!a->f) return latent_fail(LATENT_EIO, "%s: cannot create: %s", a->tmp, strerror(errno));
    return LATENT_OK;
}

latent_status latent_atomic_write(latent_atomic_file *a, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, a->f) != n)
        return latent_fail(LATENT_EIO, "%s: write failed: %s", a->tmp, strerror(errno));
    return LATENT_OK;
}

static latent_status sync_folder(const char *path)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return latent_fail(LATENT_EIO, "%s: cannot open its folder: %s", path, strerror(errno));
    int rc = fsync(fd);
    close(fd);
    /* Some file systems refuse fsync on a folder; the rename itself has happened. */
    if (rc != 0 && errno != EINVAL && errno != EROFS)
        return latent_fail(LATENT_EIO, "%s: cannot sync its folder: %s", path, strerror(errno));
    return LATENT_OK;
}

latent_status latent_atomic_commit(latent_atomic_file *a)
{
    if (!a->f) return latent_fail(LATENT_EIO, "%s: not open", a->tmp);
    if (fflush(a->f) != 0 || fsync(fileno(a->f)) != 0) {
        latent_status st = latent_fail(LATENT_EIO, "%s: cannot flush: %s", a->tmp, strerror(errno));
        latent_atomic_abort(a);
        return st;
    }
    int rc = fclose(a->f);
    a->f = NULL;
    if (rc != 0) {
        latent_status st = latent_fail(LATENT_EIO, "%s: cannot close: %s", a->tmp, strerror(errno));
        unlink(a->tmp);
        return st;
    }
    if (rename(a->tmp, a->path) != 0) {
        latent_status st = latent_fail(LATENT_EIO, "%s: cannot rename to %s: %s", a->tmp, a->path,
                                       strerror(errno));
        unlink(a->tmp);
        return st;
    }
    return sync_folder(a->path);
}

void latent_atomic_abort(latent_atomic_file *a)
{
    if (a->f) {
        fclose(a->f);
        a->f = NULL;
        unlink(a->tmp);
    }
}
