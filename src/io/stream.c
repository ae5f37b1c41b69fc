/* File and memory byte streams with transparent, bounded gzip decoding. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "src/io/stream.h"

static void set_name(latent_stream *s, const char *name)
{
    snprintf(s->name, sizeof s->name, "%s", name);
}

static latent_status start_gzip(latent_stream *s)
{
    memset(&s->z, 0, sizeof s->z);
    if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK)
        return latent_fail(LATENT_ENOMEM, "%s: gzip: cannot initialise zlib", s->name);
    s->z_ready = 1;
    s->z_done = 0;
    if (s->mem) {
        s->z.next_in = (unsigned char *)s->mem;
        s->z.avail_in = 0;  /* fed in slices below so avail_in (a uInt) never overflows */
    }
    return LATENT_OK;
}

/* Reads the first two bytes and the last four to learn whether it is gzip and its trailer. */
static latent_status sniff(latent_stream *s)
{
    unsigned char head[2] = {0, 0}, tail[4] = {0, 0, 0, 0};
    if (s->file) {
        size_t h = fread(head, 1, 2, s->file);
        if (s->raw_len >= 4 && fseeko(s->file, (off_t)(s->raw_len - 4), SEEK_SET) == 0)
            if (fread(tail, 1, 4, s->file) != 4) memset(tail, 0, 4);
        if (fseeko(s->file, 0, SEEK_SET) != 0)
            return latent_fail(LATENT_EIO, "%s: cannot seek: %s", s->name, strerror(errno));
        (void)h;
    } else {
        if (s->mem_len >= 2) memcpy(head, s->mem, 2);
        if (s->mem_len >= 4) memcpy(tail, s->mem + s->mem_len - 4, 4);
    }
    s->gz = s->raw_len >= 2 && head[0] == 0x1f && head[1] == 0x8b;
    s->gz_isize = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 |
                  (uint32_t)tail[3] << 24;
    return s->gz ? start_gzip(s) : LATENT_OK;
}

latent_status latent_stream_open_file(latent_stream *s, const char *path)
{
    memset(s, 0, offsetof(latent_stream, inbuf));
    set_name(s, path);
    s->file = fopen(path, "rb");
    if (!s->file) return latent_fail(LATENT_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(s->file), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(s->file);
        s->file = NULL;
        return latent_fail(LATENT_EIO, "%s: not a regular file", path);
    }
    s->raw_len = (uint64_t)st.st_size;
    latent_status st2 = sniff(s);
    if (st2 != LATENT_OK) latent_stream_close(s);
    return st2;
}

latent_status latent_stream_open_mem(latent_stream *s, const char *name, const void *buf, size_t len)
{
    memset(s, 0, offsetof(latent_stream, inbuf));
    set_name(s, name);
    s->mem = len ? buf : (const unsigned char *)"";
    s->mem_len = len;
    s->raw_len = len;
    return sniff(s);
}

static size_t raw_read(latent_stream *s, void *buf, size_t n, int *err)
{
    if (s->file) {
        size_t got = fread(buf, 1, n, s->file);
        if (got < n && ferror(s->file)) *err = 1;
        return got;
    }
    size_t left = s->mem_len - s->mem_pos;
    if (n > left) n = left;
    memcpy(buf, s->mem + s->mem_pos, n);
    s->mem_pos += n;
    return n;
}

static latent_status gz_read(latent_stream *s, unsigned char *buf, size_t n, size_t *got)
{
    size_t done = 0;
    while (done < n && !s->z_done) {
        if (s->z.avail_in == 0) {
            if (s->file) {
                int err = 0;
                s->z.avail_in = (uInt)raw_read(s, s->inbuf, sizeof s->inbuf, &err);
                s->z.next_in = s->inbuf;
                if (err) return latent_fail(LATENT_EIO, "%s: read error", s->name);
            } else {
                size_t left = s->mem_len - s->mem_pos, take = left < (1u << 30) ? left : (1u << 30);
                s->z.next_in = (unsigned char *)s->mem + s->mem_pos;
                s->z.avail_in = (uInt)take;
                s->mem_pos += take;
            }
        }
        int at_raw_end = s->z.avail_in == 0;
        size_t want = n - done;
        s->z.next_out = buf + done;
        s->z.avail_out = (uInt)(want < (1u << 30) ? want : (1u << 30));
        uInt before = s->z.avail_out;
        int rc = inflate(&s->z, Z_NO_FLUSH);
        done += before - s->z.avail_out;
        if (rc == Z_STREAM_END) {
            /* Another gzip member may follow; anything else is refused by inflate's header check. */
            int more = s->z.avail_in > 0 || (s->file ? !feof(s->file) : s->mem_pos < s->mem_len);
            if (more && s->file && s->z.avail_in == 0) {
                int err = 0;
                s->z.avail_in = (uInt)raw_read(s, s->inbuf, sizeof s->inbuf, &err);
                s->z.next_in = s->inbuf;
                more = s->z.avail_in > 0;
            }
            if (more) inflateReset(&s->z);
            else s->z_done = 1;
        } else if (rc == Z_BUF_ERROR && at_raw_end) {
            return latent_fail(LATENT_EFORMAT, "%s: gzip: truncated compressed data", s->name);
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            return latent_fail(LATENT_EFORMAT, "%s: gzip: corrupt data (%s)", s->name,
                               s->z.msg ? s->z.msg : "inflate failed");
        }
    }
    *got = done;
    return LATENT_OK;
}

latent_status latent_stream_read(latent_stream *s, void *buf, size_t n, size_t *got)
{
    *got = 0;
    if (s->gz) {
        latent_status st = gz_read(s, buf, n, got);
        s->pos += *got;
        return st;
    }
    int err = 0;
    *got = raw_read(s, buf, n, &err);
    s->pos += *got;
    if (err) return latent_fail(LATENT_EIO, "%s: read error", s->name);
    return LATENT_OK;
}

latent_status latent_stream_read_exact(latent_stream *s, void *buf, size_t n, const char *what)
{
    size_t got;
    latent_status st = latent_stream_read(s, buf, n, &got);
    if (st != LATENT_OK) return st;
    if (got < n)
        return latent_fail(LATENT_EFORMAT, "%s: %s: truncated: needs %zu bytes, the file ends after %zu",
                           s->name, what, n, got);
    return LATENT_OK;
}

latent_status latent_stream_check_payload(latent_stream *s, uint64_t need, const char *what)
{
    if (!s->gz) {
        uint64_t left = s->raw_len - s->pos;
        if (need != left)
            return latent_fail(LATENT_EFORMAT, "%s: %s needs %llu bytes but the file has %llu",
                               s->name, what, (unsigned long long)need, (unsigned long long)left);
        return LATENT_OK;
    }
    uint64_t bound = s->raw_len > UINT64_MAX / LATENT_GZIP_MAX_RATIO ? UINT64_MAX
                                                                      : s->raw_len * LATENT_GZIP_MAX_RATIO;
    if (need > bound - s->pos || need > UINT64_MAX - s->pos)
        return latent_fail(LATENT_EFORMAT,
                           "%s: %s needs %llu bytes, more than %llu compressed bytes can hold",
                           s->name, what, (unsigned long long)need, (unsigned long long)s->raw_len);
    uint32_t total = (uint32_t)(s->pos + need);
    if (total != s->gz_isize)
        return latent_fail(LATENT_EFORMAT,
                           "%s: %s needs %llu bytes in all but the gzip trailer says %u (mod 2^32): "
                           "truncated, or not a single gzip member",
                           s->name, what, (unsigned long long)(s->pos + need), s->gz_isize);
    return LATENT_OK;
}

latent_status latent_stream_expect_end(latent_stream *s)
{
    unsigned char c;
    size_t got;
    latent_status st = latent_stream_read(s, &c, 1, &got);
    if (st != LATENT_OK) return st;
    if (got)
        return latent_fail(LATENT_EFORMAT, "%s: unexpected bytes after the data (at offset %llu)",
                           s->name, (unsigned long long)(s->pos - 1));
    return LATENT_OK;
}

latent_status latent_stream_rewind(latent_stream *s)
{
    s->pos = 0;
    if (s->file) {
        if (fseeko(s->file, 0, SEEK_SET) != 0)
            return latent_fail(LATENT_EIO, "%s: cannot seek: %s", s->name, strerror(errno));
        clearerr(s->file);
    }
    s->mem_pos = 0;
    if (s->gz) {
        inflateEnd(&s->z);
        s->z_ready = 0;
        return start_gzip(s);
    }
    return LATENT_OK;
}

void latent_stream_close(latent_stream *s)
{
    if (s->z_ready) inflateEnd(&s->z);
    s->z_ready = 0;
    if (s->file) fclose(s->file);
    s->file = NULL;
}
