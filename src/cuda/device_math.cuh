// exp, log and tanh for a template's float type, as one name: the float overloads call the
// single-precision functions (expf, ...), so F32 kernels never widen to double.
#ifndef PML_DEVICE_MATH_CUH
#define PML_DEVICE_MATH_CUH

template <typename T> static __device__ T pml_dexp(T x);
template <> __device__ float pml_dexp<float>(float x) { return expf(x); }
template <> __device__ double pml_dexp<double>(double x) { return exp(x); }
template <typename T> static __device__ T pml_dlog(T x);
template <> __device__ float pml_dlog<float>(float x) { return logf(x); }
template <> __device__ double pml_dlog<double>(double x) { return log(x); }
template <typename T> static __device__ T pml_dtanh(T x);
template <> __device__ float pml_dtanh<float>(float x) { return tanhf(x); }
template <> __device__ double pml_dtanh<double>(double x) { return tanh(x); }

#endif
