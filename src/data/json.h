/* A small JSON reader and writer for .safetensors headers: objects, arrays, strings with
 * every escape (\uXXXX and surrogate pairs to UTF-8), integers, true/false/null. Numbers
 * with a fraction or an exponent parse, marked non-integer. Not a general JSON library. */
#ifndef PML_DATA_JSON_H
#define PML_DATA_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum pml_json_type {
    PML_JSON_NULL,
    PML_JSON_BOOL,
    PML_JSON_NUM,
    PML_JSON_STR,
    PML_JSON_ARR,
    PML_JSON_OBJ
} pml_json_type;

typedef struct pml_json_value {
    pml_json_type type;
    int is_int;   /* PML_JSON_NUM: an integer that fits int64 */
    int64_t num;  /* PML_JSON_NUM (when is_int), PML_JSON_BOOL */
    char *str;    /* PML_JSON_STR, NUL-terminated (strings holding \u0000 are rejected) */
    int n;        /* PML_JSON_ARR, PML_JSON_OBJ: number of items */
    struct pml_json_value *items;
    char **keys;  /* PML_JSON_OBJ: keys[i] names items[i]; duplicate keys are rejected */
} pml_json_value;

/* The most values (of any type, containers and their members included) one parse accepts:
 * a bound on the memory a hostile text can make the parser take (about 100 bytes a value),
 * whatever its length. A .safetensors header needs 10 values a tensor, so 65,536 tensors
 * (its reader's limit) fit with room for a million metadata entries. */
#define PML_JSON_MAX_VALUES (1 << 21)

/* Parse text[0..len) as exactly one JSON value (surrounding whitespace allowed). Returns 1
 * on success; on failure 0 with a message (and the byte offset) in err. Duplicate keys are
 * found by sorting each object's keys: O(n log n) in the number of keys. */
int pml_json_parse(const char *text, size_t len, pml_json_value *out, char *err, size_t errcap);
void pml_json_free(pml_json_value *v);
/* The member called key of an object, or NULL. */
const pml_json_value *pml_json_get(const pml_json_value *obj, const char *key);
/* Whether two of keys[0..n) are equal, in O(n log n) (sorted copies of the pointers): 1 with
 * *dup pointing at one of them, 0 when all differ, -1 when out of memory. */
int pml_json_find_duplicate(const char *const *keys, int n, const char **dup);

/* A growing string for writing. */
typedef struct pml_json_buf {
    char *s;
    size_t len, cap;
    int failed; /* an allocation failed; the content is incomplete */
} pml_json_buf;

void pml_json_put(pml_json_buf *b, const char *s);
void pml_json_putf(pml_json_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A JSON string literal: quotes, \" \\ and control characters escaped; UTF-8 passed on. */
void pml_json_put_string(pml_json_buf *b, const char *s);

#endif
