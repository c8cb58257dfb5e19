/* The JSON reader of the .safetensors header (src/data/json.c, internal) on any bytes. A value
 * accepted must be a sound tree: an object finds each of its keys at its own item (keys are
 * unique), and every string and key, written back by pml_json_put_string (the writer of
 * .safetensors headers), parses again to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "data/json.h"
#include "fuzz_util.h"

static void round_trip(const char *s)
{
    pml_json_buf b = {0};
    pml_json_put_string(&b, s);
    FUZZ_CHECK(!b.failed && b.s != NULL);
    pml_json_value v;
    char err[128] = "";
    FUZZ_CHECK(pml_json_parse(b.s, b.len, &v, err, sizeof err));
    FUZZ_CHECK(v.type == PML_JSON_STR && strcmp(v.str, s) == 0);
    pml_json_free(&v);
    free(b.s);
}

static void walk(const pml_json_value *v)
{
    switch (v->type) {
    case PML_JSON_STR: round_trip(v->str); break;
    case PML_JSON_OBJ:
        for (int i = 0; i < v->n; ++i) {
            /* pml_json_get is a linear search: the first 64 keys only (else this check
             * would take quadratic time on a large object) */
            if (i < 64) FUZZ_CHECK(pml_json_get(v, v->keys[i]) == &v->items[i]);
            round_trip(v->keys[i]);
        }
        /* fall through: the items */
    case PML_JSON_ARR:
        for (int i = 0; i < v->n; ++i) walk(&v->items[i]);
        break;
    default: break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* (text, len) without a terminating NUL: libFuzzer's buffer is exactly `size` bytes of
     * heap, so a read past the end is an ASan report */
    pml_json_value v;
    char err[128] = "";
    if (pml_json_parse((const char *)data, size, &v, err, sizeof err)) {
        walk(&v);
        pml_json_free(&v);
    } else {
        FUZZ_CHECK(err[0] != '\0'); /* a refusal says why */
    }
    return 0;
}
