/* Augmentation specs: "shift:2,flip,noise:0.1,mask:0.3" into a pml_augment. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "physml/data.h"

pml_status pml_augment_parse(const char *text, pml_augment *out)
{
    static const char fn[] = "pml_augment_parse";
    PML_CHECK_ARG(text != NULL && out != NULL, fn, "text or out is NULL");
    pml_augment aug;
    memset(&aug, 0, sizeof aug);
    if (strcmp(text, "none") == 0) text = "";
    for (const char *item = text; *item;) {
        const char *comma = strchr(item, ',');
        const size_t len = comma ? (size_t)(comma - item) : strlen(item);
        char buf[64];
        int ok = len > 0 && len < sizeof buf;
        if (ok) {
            memcpy(buf, item, len);
            buf[len] = '\0';
            char *arg = strchr(buf, ':'), *end = NULL;
            if (arg) *arg++ = '\0';
            if (strcmp(buf, "flip") == 0 && !arg) {
                aug.flip = 1;
            } else if (strcmp(buf, "shift") == 0 && arg) {
                const long v = pml_strtoll_dec(arg, &end);
                ok = *end == '\0' && end != arg && v >= 0 && v <= 8;
                aug.shift = ok ? (int)v : 0;
            } else if (strcmp(buf, "noise") == 0 && arg) {
                const double v = pml_strtod_dec(arg, &end);
                ok = *end == '\0' && end != arg && v >= 0 && v <= 10;
                aug.noise = ok ? (float)v : 0.0f;
            } else if ((strcmp(buf, "mask") == 0 || strcmp(buf, "saltpepper") == 0) && arg) {
                const double v = pml_strtod_dec(arg, &end);
                ok = *end == '\0' && end != arg && v >= 0 && v <= 1;
                *(buf[0] == 'm' ? &aug.mask : &aug.saltpepper) = ok ? (float)v : 0.0f;
            } else {
                ok = 0;
            }
        }
        PML_CHECK(ok, PML_ERR_INVALID_ARGUMENT,
                  "%s: bad item '%.*s' (shift:0..8, flip, noise:0..10, mask:0..1, "
                  "saltpepper:0..1, comma-separated)", fn,
                  (int)(len < 64 ? len : 64), item);
        item = comma ? comma + 1 : item + len;
        PML_CHECK(!comma || *item, PML_ERR_INVALID_ARGUMENT,
                  "%s: bad item '' after the last comma of '%.64s'", fn, text);
    }
    PML_CHECK(aug.mask + aug.saltpepper <= 1.0f, PML_ERR_INVALID_ARGUMENT,
              "%s: mask %g + saltpepper %g exceed 1 in '%.64s'", fn, (double)aug.mask,
              (double)aug.saltpepper, text);
    *out = aug;
    return PML_OK;
}

int pml_augment_active(const pml_augment *a)
{
    return a && (a->shift || a->flip || a->noise > 0 || a->mask > 0 || a->saltpepper > 0);
}
