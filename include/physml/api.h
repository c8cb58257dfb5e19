/* PML_API marks every function the shared library exports. The library is compiled with
 * hidden visibility (CMake's C_VISIBILITY_PRESET), so whatever is not declared with this
 * marker in include/physml/ stays internal: `nm -D libphysml.so` lists exactly the public
 * API (tests/abi/check_exports.sh checks it). For a program using the headers the marker
 * only restates the default visibility. */
#ifndef PHYSML_API_H
#define PHYSML_API_H

#if defined(__GNUC__) || defined(__clang__)
#define PML_API __attribute__((visibility("default")))
#else
#define PML_API
#endif

#endif
