/* The small JSON reader and writer of json.h. */
#include "data/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PML_JSON_MAX_DEPTH 64

typedef struct pml_json_ctx {
    const char *s, *p, *end;
    char *err;
    size_t errcap;
    size_t values; /* parsed so far, at most PML_JSON_MAX_VALUES */
} pml_json_ctx;

static int fail(pml_json_ctx *c, const char *what)
{
    if (c->err && c->err[0] == '\0')
        snprintf(c->err, c->errcap, "%s at byte %ld", what, (long)(c->p - c->s));
    return 0;
}

static void ws(pml_json_ctx *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        ++c->p;
}

static int hex4(pml_json_ctx *c, unsigned *out)
{
    if (c->end - c->p < 4) return fail(c, "short \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
        char h = *c->p++;
        v <<= 4;
        if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
        else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
        else return fail(c, "bad hex digit in \\u escape");
    }
    *out = v;
    return 1;
}

/* Parse a string literal (c->p at the opening quote) into a new NUL-terminated buffer. */
static int parse_string(pml_json_ctx *c, char **out)
{
    ++c->p;
    /* the decoded string is never longer than the literal */
    const char *q = c->p;
    while (q < c->end && *q != '"') q += (*q == '\\') ? 2 : 1;
    if (q >= c->end) return fail(c, "unterminated string");
    char *buf = malloc((size_t)(q - c->p) + 1);
    if (!buf) return fail(c, "out of memory");
    size_t n = 0;
    while (*c->p != '"') {
        unsigned char ch = (unsigned char)*c->p++;
        if (ch < 0x20) {
            free(buf);
            return fail(c, "control character in string");
        }
        if (ch != '\\') {
            buf[n++] = (char)ch;
            continue;
        }
        char e = *c->p++;
        unsigned cp;
        switch (e) {
        case '"': buf[n++] = '"'; continue;
        case '\\': buf[n++] = '\\'; continue;
        case '/': buf[n++] = '/'; continue;
        case 'b': buf[n++] = '\b'; continue;
        case 'f': buf[n++] = '\f'; continue;
        case 'n': buf[n++] = '\n'; continue;
        case 'r': buf[n++] = '\r'; continue;
        case 't': buf[n++] = '\t'; continue;
        case 'u':
            if (!hex4(c, &cp)) break;
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* high surrogate: a low one must follow */
                unsigned lo;
                if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u') {
                    fail(c, "lone high surrogate");
                    break;
                }
                c->p += 2;
                if (!hex4(c, &lo)) break;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    fail(c, "bad low surrogate");
                    break;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail(c, "lone low surrogate");
                break;
            } else if (cp == 0) {
                fail(c, "\\u0000 in string");
                break;
            }
            /* UTF-8; at most 4 bytes, never longer than the 6- or 12-byte escape */
            if (cp < 0x80) {
                buf[n++] = (char)cp;
            } else if (cp < 0x800) {
                buf[n++] = (char)(0xC0 | cp >> 6);
                buf[n++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                buf[n++] = (char)(0xE0 | cp >> 12);
                buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                buf[n++] = (char)(0x80 | (cp & 0x3F));
            } else {
                buf[n++] = (char)(0xF0 | cp >> 18);
                buf[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                buf[n++] = (char)(0x80 | (cp & 0x3F));
            }
            continue;
        default: fail(c, "bad escape in string"); break;
        }
        free(buf);
        return 0;
    }
    ++c->p;
    buf[n] = '\0';
    *out = buf;
    return 1;
}

static int parse_number(pml_json_ctx *c, pml_json_value *v)
{
    const char *start = c->p;
    int neg = 0;
    if (*c->p == '-') {
        neg = 1;
        ++c->p;
    }
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') return fail(c, "bad number");
    if (*c->p == '0' && c->p + 1 < c->end && c->p[1] >= '0' && c->p[1] <= '9')
        return fail(c, "leading zero in number");
    uint64_t mag = 0;
    int overflow = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        unsigned d = (unsigned)(*c->p++ - '0');
        if (mag > (UINT64_MAX - d) / 10) overflow = 1;
        else mag = mag * 10 + d;
    }
    int frac = 0;
    if (c->p < c->end && *c->p == '.') {
        frac = 1;
        ++c->p;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9') return fail(c, "bad fraction");
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') ++c->p;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        frac = 1;
        ++c->p;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-')) ++c->p;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9') return fail(c, "bad exponent");
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') ++c->p;
    }
    (void)start;
    v->type = PML_JSON_NUM;
    uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    v->is_int = !frac && !overflow && mag <= lim;
    if (v->is_int) v->num = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return 1;
}

static int parse_value(pml_json_ctx *c, pml_json_value *v, int depth);

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int pml_json_find_duplicate(const char *const *keys, int n, const char **dup)
{
    *dup = NULL;
    if (n < 2) return 0;
    const char *small[16];
    const char **k = n <= 16 ? small : malloc((size_t)n * sizeof *k);
    if (k == NULL) return -1;
    memcpy(k, keys, (size_t)n * sizeof *k);
    qsort(k, (size_t)n, sizeof *k, cmp_key);
    for (int i = 1; i < n && *dup == NULL; ++i)
        if (strcmp(k[i - 1], k[i]) == 0) *dup = k[i];
    if (k != small) free(k);
    return *dup != NULL;
}

/* A finished object has no key twice: checked once it is complete, by sorting (a scan of
 * every earlier key for each new one is quadratic; 200,000 keys took minutes). */
static int unique_keys(pml_json_ctx *c, const pml_json_value *v)
{
    const char *dup = NULL;
    const int r = pml_json_find_duplicate((const char *const *)v->keys, v->n, &dup);
    if (r < 0) return fail(c, "out of memory");
    if (r == 0) return 1;
    char what[96];
    snprintf(what, sizeof what, "duplicate key '%.40s'%s", dup, strlen(dup) > 40 ? "..." : "");
    return fail(c, what);
}

static int grow(pml_json_value *v, int *cap, int with_keys)
{
    if (v->n < *cap) return 1;
    int nc = *cap ? 2 * *cap : 8;
    pml_json_value *it = realloc(v->items, (size_t)nc * sizeof *it);
    if (!it) return 0;
    v->items = it;
    if (with_keys) {
        char **k = realloc(v->keys, (size_t)nc * sizeof *k);
        if (!k) return 0;
        v->keys = k;
    }
    *cap = nc;
    return 1;
}

static int parse_container(pml_json_ctx *c, pml_json_value *v, int depth, int obj)
{
    if (depth >= PML_JSON_MAX_DEPTH) return fail(c, "nesting too deep");
    v->type = obj ? PML_JSON_OBJ : PML_JSON_ARR;
    ++c->p;
    ws(c);
    char close = obj ? '}' : ']';
    if (c->p < c->end && *c->p == close) {
        ++c->p;
        return 1;
    }
    int cap = 0;
    for (;;) {
        ws(c);
        if (!grow(v, &cap, obj)) return fail(c, "out of memory");
        char *key = NULL;
        if (obj) {
            if (c->p >= c->end || *c->p != '"') return fail(c, "expected a key");
            if (!parse_string(c, &key)) return 0;
            ws(c);
            if (c->p >= c->end || *c->p != ':') {
                free(key);
                return fail(c, "expected ':'");
            }
            ++c->p;
            v->keys[v->n] = key;
        }
        memset(&v->items[v->n], 0, sizeof v->items[v->n]);
        ++v->n; /* counted now so that pml_json_free releases a partial item */
        if (!parse_value(c, &v->items[v->n - 1], depth + 1)) return 0;
        ws(c);
        if (c->p < c->end && *c->p == ',') {
            ++c->p;
            continue;
        }
        if (c->p < c->end && *c->p == close) {
            ++c->p;
            return !obj || unique_keys(c, v);
        }
        return fail(c, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int literal(pml_json_ctx *c, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return 0;
    c->p += n;
    return 1;
}

static int parse_value(pml_json_ctx *c, pml_json_value *v, int depth)
{
    if (++c->values > PML_JSON_MAX_VALUES) {
        char what[64];
        snprintf(what, sizeof what, "more than %d values", PML_JSON_MAX_VALUES);
        return fail(c, what);
    }
    ws(c);
    if (c->p >= c->end) return fail(c, "unexpected end");
    switch (*c->p) {
    case '{': return parse_container(c, v, depth, 1);
    case '[': return parse_container(c, v, depth, 0);
    case '"':
        v->type = PML_JSON_STR;
        return parse_string(c, &v->str);
    case 't':
        v->type = PML_JSON_BOOL;
        v->num = 1;
        return literal(c, "true") || fail(c, "bad literal");
    case 'f':
        v->type = PML_JSON_BOOL;
        return literal(c, "false") || fail(c, "bad literal");
    case 'n':
        v->type = PML_JSON_NULL;
        return literal(c, "null") || fail(c, "bad literal");
    default: return parse_number(c, v);
    }
}

int pml_json_parse(const char *text, size_t len, pml_json_value *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    if (err && errcap) err[0] = '\0';
    pml_json_ctx c = {text, text, text + len, err, errcap, 0};
    if (!parse_value(&c, out, 0)) {
        pml_json_free(out);
        return 0;
    }
    ws(&c);
    if (c.p != c.end) {
        fail(&c, "text after the JSON value");
        pml_json_free(out);
        return 0;
    }
    return 1;
}

void pml_json_free(pml_json_value *v)
{
    if (v == NULL) return;
    free(v->str);
    for (int i = 0; i < v->n; ++i) {
        pml_json_free(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof *v);
}

const pml_json_value *pml_json_get(const pml_json_value *obj, const char *key)
{
    if (obj == NULL || obj->type != PML_JSON_OBJ) return NULL;
    for (int i = 0; i < obj->n; ++i)
        if (strcmp(obj->keys[i], key) == 0) return &obj->items[i];
    return NULL;
}

static void reserve(pml_json_buf *b, size_t extra)
{
    if (b->failed || b->len + extra + 1 <= b->cap) return;
    size_t nc = b->cap ? b->cap : 256;
    while (nc < b->len + extra + 1) nc *= 2;
    char *s = realloc(b->s, nc);
    if (!s) {
        b->failed = 1;
        return;
    }
    b->s = s;
    b->cap = nc;
}

void pml_json_put(pml_json_buf *b, const char *s)
{
    size_t n = strlen(s);
    reserve(b, n);
    if (b->failed) return;
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

void pml_json_putf(pml_json_buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        b->failed = 1;
        return;
    }
    pml_json_put(b, tmp);
}

void pml_json_put_string(pml_json_buf *b, const char *s)
{
    pml_json_put(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; ++p) {
        char e[8];
        if (*p == '"') pml_json_put(b, "\\\"");
        else if (*p == '\\') pml_json_put(b, "\\\\");
        else if (*p == '\n') pml_json_put(b, "\\n");
        else if (*p == '\t') pml_json_put(b, "\\t");
        else if (*p == '\r') pml_json_put(b, "\\r");
        else if (*p < 0x20) {
            snprintf(e, sizeof e, "\\u%04x", *p);
            pml_json_put(b, e);
        } else {
            e[0] = (char)*p;
            e[1] = '\0';
            pml_json_put(b, e);
        }
    }
    pml_json_put(b, "\"");
}
