/* Augmentation specs (pml_augment_parse): every item, its range, and what is refused. */
#include <string.h>

#include "pml_test.h"

Test(augment, items_and_ranges)
{
    pml_augment a;
    PML_ASSERT_OK(pml_augment_parse("shift:2,flip,noise:0.1", &a));
    cr_expect(a.shift == 2 && a.flip == 1 && a.noise == 0.1f);
    PML_ASSERT_OK(pml_augment_parse("noise:0.25", &a));
    cr_expect(a.shift == 0 && a.flip == 0 && a.noise == 0.25f, "items not given are off");
    PML_ASSERT_OK(pml_augment_parse("mask:0.3,saltpepper:0.1", &a));
    cr_expect(a.mask == 0.3f && a.saltpepper == 0.1f && a.noise == 0.0f && a.shift == 0);
    cr_expect(pml_augment_active(&a) && !pml_augment_active(NULL));
    PML_ASSERT_OK(pml_augment_parse("shift:8,shift:0", &a));
    cr_expect_eq(a.shift, 0, "a later item wins");
    static const char *const none[] = {"", "none"};
    for (int i = 0; i < 2; ++i) {
        memset(&a, 0x55, sizeof a);
        PML_ASSERT_OK(pml_augment_parse(none[i], &a));
        cr_expect(a.shift == 0 && a.flip == 0 && a.noise == 0.0f, "'%s'", none[i]);
    }
}

Test(augment, bad_items_are_refused_and_change_nothing)
{
    static const char *const bad[] = {"shift:9", "shift:-1", "shift:", "shift", "shift:2x",
                                      "flip:1", "noise:11", "noise:-0.1", "noise:nan",
                                      "noise:inf", "noise", "rotate:3", "flip,", ",flip",
                                      "flip,,noise:1", "none,flip", "FLIP", "mask:1.5",
                                      "mask:-0.1", "mask", "saltpepper:2", "mask:0.6,saltpepper:0.6"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        pml_augment a = {5, 1, 0.5f, 0.0f, 0.0f};
        pml_test_expect_error(bad[i], pml_augment_parse(bad[i], &a), PML_ERR_INVALID_ARGUMENT,
                              bad[i][0] == 'm' && strchr(bad[i], ',') ? "exceed 1" : "bad item");
        cr_expect(a.shift == 5 && a.flip == 1 && a.noise == 0.5f, "'%s' changed *out", bad[i]);
    }
    /* a long spec is read whole: its last item is still checked */
    char text[700] = "";
    for (int i = 0; i < 100; ++i) strcat(text, "flip,");
    strcat(text, "shift:9");
    pml_augment a;
    cr_expect_eq(pml_augment_parse(text, &a), PML_ERR_INVALID_ARGUMENT);
}
