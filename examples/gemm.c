#include <physml/physml.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    pml_device *dev;
    pml_tensor *a, *b, *c;
    if (pml_device_open(argc > 1 ? argv[1] : "auto", &dev) != PML_OK) return 1;
    pml_tensor_create_2d(dev, PML_F32, 256, 128, &a);
    pml_tensor_create_2d(dev, PML_F32, 128, 64, &b);
    pml_tensor_create_2d(dev, PML_F32, 256, 64, &c);
    pml_tensor_fill(a, 0.5);
    pml_rand_uniform(b, /*seed*/ 1, /*stream*/ 0, /*offset*/ 0);
    pml_status s = pml_gemm(dev, PML_NO_TRANS, PML_NO_TRANS, 256, 64, 128, 1.0, a, b, 0.0, c);
    double sum = 0;
    pml_sum(dev, c, &sum);
    printf("%s on %s: sum(C) = %.3f\n", pml_status_string(s), pml_device_name(dev), sum);
    pml_tensor_destroy(a), pml_tensor_destroy(b), pml_tensor_destroy(c);
    pml_device_close(dev);
    return s != PML_OK;
}
