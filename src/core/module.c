/* The loader of run-time backend modules (src/core/module.h). The CUDA module is looked for,
 * once per process and only when something asks for a GPU, in this order:
 *   1. $PML_CUDA_MODULE, a path, when set (then nothing else is tried);
 *   2. beside the object that holds this code (libphysml.so, or the program that linked the
 *      static library), then in ../<libdir>/ and ../ from there: an installed tree and the
 *      build tree both work without setting anything;
 *   3. the bare file name, through the dynamic linker's own search (LD_LIBRARY_PATH, the
 *      program's run path, the linker cache), then the install prefix's library directory.
 * Before any of that, the CUDA driver (libcuda.so.1) must load: without it there is no GPU to
 * use, and the runtime and cuBLAS are never mapped. */
#define _GNU_SOURCE /* dladdr1, realpath */
#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/module.h"

static pthread_once_t cuda_once = PTHREAD_ONCE_INIT;
static const pml_backend_reg *cuda_reg;
static char cuda_why[768];

#ifdef PML_CUDA_MODULE_NAME
static const pml_module_host module_host = {PML_MODULE_ABI, pml_vset_error};

/* The directory of the object this function lives in, without a trailing slash. */
static int own_dir(char *dir, size_t size)
{
    Dl_info info;
    struct link_map *map = NULL;
    if (dladdr1((void *)own_dir, &info, (void **)&map, RTLD_DL_LINKMAP) == 0 || map == NULL)
        return -1;
    /* the main program's link map has an empty name: ask the kernel for its path */
    const char *name = map->l_name[0] != '\0' ? map->l_name : "/proc/self/exe";
    char real[PATH_MAX];
    if (realpath(name, real) == NULL) return -1;
    char *slash = strrchr(real, '/');
    if (slash == NULL) return -1;
    *slash = '\0';
    if ((size_t)snprintf(dir, size, "%s", real) >= size) return -1;
    return 0;
}

/* dlopen `path`; on failure append the loader's reason to cuda_why. */
static void *try_module(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *e = dlerror();
        size_t used = strlen(cuda_why);
        /* a reason past the buffer is cut (the return value used: GCC's -O3 then accepts it) */
        if (snprintf(cuda_why + used, sizeof cuda_why - used, "%s%s", used ? "; " : "",
                     e ? e : path) < 0)
            cuda_why[used] = '\0';
    }
    return h;
}

static void *find_module(void)
{
    const char *forced = getenv("PML_CUDA_MODULE");
    if (forced != NULL && forced[0] != '\0') return try_module(forced);

    char dir[PATH_MAX], path[PATH_MAX + 64];
    if (own_dir(dir, sizeof dir) == 0) {
        static const char *const rel[] = {"", "/../" PML_INSTALL_LIBDIR, "/.."};
        for (size_t i = 0; i < sizeof rel / sizeof rel[0]; ++i) {
            if ((size_t)snprintf(path, sizeof path, "%s%s/%s", dir, rel[i],
                                 PML_CUDA_MODULE_NAME) >= sizeof path)
                continue;
            if (access(path, F_OK) != 0) continue;
            void *h = try_module(path);
            if (h != NULL) return h;
        }
    }
    void *h = try_module(PML_CUDA_MODULE_NAME);
    if (h == NULL) h = try_module(PML_INSTALL_FULL_LIBDIR "/" PML_CUDA_MODULE_NAME);
    return h;
}
#endif

static void load_cuda(void)
{
#ifndef PML_CUDA_MODULE_NAME
    snprintf(cuda_why, sizeof cuda_why, "this physml was built without CUDA");
#else
    /* the driver first; it stays loaded, the runtime will want it */
    if (dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL) == NULL) {
        snprintf(cuda_why, sizeof cuda_why,
                 "no CUDA driver on this machine (libcuda.so.1 does not load)");
        return;
    }
    void *h = find_module();
    if (h == NULL) {
        char detail[sizeof cuda_why];
        memcpy(detail, cuda_why, sizeof detail);
        snprintf(cuda_why, sizeof cuda_why, "the CUDA backend module " PML_CUDA_MODULE_NAME
                 " does not load (%.600s)", detail);
        return;
    }
    pml_module_entry_fn *entry;
    *(void **)&entry = dlsym(h, PML_MODULE_ENTRY);
    const pml_backend_reg *reg = entry ? entry(&module_host) : NULL;
    if (reg == NULL || reg->kind != PML_DEVICE_CUDA) {
        snprintf(cuda_why, sizeof cuda_why,
                 "the CUDA backend module was built for another physml (no matching %s entry)",
                 PML_MODULE_ENTRY);
        dlclose(h);
        return;
    }
    cuda_why[0] = '\0';
    cuda_reg = reg;
#endif
}

const pml_backend_reg *pml_module_cuda(const char **why)
{
    pthread_once(&cuda_once, load_cuda);
    if (why != NULL) *why = cuda_why;
    return cuda_reg;
}
