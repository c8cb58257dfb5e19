/* A small JSON reader and writer for .safetensors headers: objects, arrays, strings with
 * every escape (\uXXXX and surrogate pairs to UTF-8), integers, true/false/null. Numbers
 * with a fraction or an exponent parse, marked non-integer. Not a general JSON library. */
#ifndef PML_DATA_JSON_H
#define PML_DATA_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum pj_type { PJ_NULL, PJ_BOOL, PJ_NUM, PJ_STR, PJ_ARR, PJ_OBJ } pj_type;

typedef struct pj_value {
    pj_type type;
    int is_int;   /* PJ_NUM: an integer that fits int64 */
    int64_t num;  /* PJ_NUM (when is_int), PJ_BOOL */
    char *str;    /* PJ_STR, NUL-terminated (strings holding \u0000 are rejected) */
    int n;        /* PJ_ARR, PJ_OBJ: number of items */
    struct pj_value *items;
    char **keys;  /* PJ_OBJ: keys[i] names items[i]; duplicate keys are rejected */
} pj_value;

/* Parse text[0..len) as exactly one JSON value (surrounding whitespace allowed). Returns 1
 * on success; on failure 0 with a message (and the byte offset) in err. */
int pj_parse(const char *text, size_t len, pj_value *out, char *err, size_t errcap);
void pj_free(pj_value *v);
/* The member called key of an object, or NULL. */
const pj_value *pj_get(const pj_value *obj, const char *key);

/* A growing string for writing. */
typedef struct pj_buf {
    char *s;
    size_t len, cap;
    int failed; /* an allocation failed; the content is incomplete */
} pj_buf;

void pj_put(pj_buf *b, const char *s);
void pj_putf(pj_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A JSON string literal: quotes, \" \\ and control characters escaped; UTF-8 passed on. */
void pj_put_string(pj_buf *b, const char *s);

#endif
