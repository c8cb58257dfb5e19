/* GEMM shapes shared by the CPU test and the CPU/CUDA parity test: the odd ones first. */
#ifndef PML_GEMM_CASES_H
#define PML_GEMM_CASES_H

#include <stdint.h>

typedef struct pml_gemm_case {
    int64_t m, n, k;
    int ta, tb;
    double alpha, beta;
} pml_gemm_case;

static const pml_gemm_case pml_gemm_cases[] = {
    {1, 1, 1, 0, 0, 1.0, 0.0},     {1, 1, 1, 1, 1, 2.0, 0.5},    {1, 37, 19, 0, 0, 1.0, 0.0},
    {1, 37, 19, 1, 0, 1.0, 1.0},   {23, 1, 5, 0, 1, -1.0, 0.0},  {17, 9, 0, 0, 0, 1.0, 0.5},
    {17, 9, 0, 1, 1, 1.0, 0.0},    {64, 48, 32, 0, 0, 1.0, 0.0}, {64, 48, 32, 1, 0, 0.5, 2.0},
    {64, 48, 32, 0, 1, 1.0, -1.0}, {64, 48, 32, 1, 1, 1.5, 0.0}, {100, 3, 257, 0, 0, 1.0, 0.0},
    {3, 100, 257, 1, 1, 1.0, 0.25}, {129, 65, 33, 0, 1, 1.0, 0.0}, {256, 256, 256, 0, 0, 1.0, 0.0},
};
#define PML_GEMM_NCASES (sizeof pml_gemm_cases / sizeof pml_gemm_cases[0])

#endif
