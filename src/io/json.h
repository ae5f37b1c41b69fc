/* A small strict JSON parser (RFC 8259, no extensions) for safetensors headers. */
#ifndef LATENT_IO_JSON_H
#define LATENT_IO_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "latent/error.h"

typedef enum latent_json_type {
    LATENT_JSON_NULL, LATENT_JSON_BOOL, LATENT_JSON_NUMBER, LATENT_JSON_STRING,
    LATENT_JSON_ARRAY, LATENT_JSON_OBJECT
} latent_json_type;

/* One value; containers link their children by index (-1 ends a list). */
typedef struct latent_json {
    latent_json_type type;
    int boolean;
    int is_int;              /* a number written without fraction or exponent that fits int64 */
    int64_t integer;
    const char *key;         /* the member's name when the parent is an object */
    const char *str;         /* a string's decoded UTF-8, NUL-terminated (no NUL inside) */
    size_t str_len;
    int32_t child, next, count;
} latent_json;

typedef struct latent_json_doc {
    latent_json *nodes;      /* nodes[0] is the root */
    int32_t n, cap;
    char *strings;           /* decoded strings and keys */
} latent_json_doc;

/* Parses exactly one JSON value (surrounding whitespace allowed). `file` names the file in
 * messages. Depth is capped at 64. */
latent_status latent_json_parse(const char *file, const char *src, size_t len, latent_json_doc *doc);

/* The member `key` of an object, or NULL. */
const latent_json *latent_json_get(const latent_json_doc *doc, const latent_json *obj, const char *key);

void latent_json_free(latent_json_doc *doc);

#endif
