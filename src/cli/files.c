/* Output files: directories, PNG images (stb_image_write), gnuplot rendering. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli/cli.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBIW_ASSERT(x) ((void)0)
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

int pml_mkdirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; ++p) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
            *p = '/';
        }
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    return 0;
}

int pml_png_write(const char *path, int width, int height, int channels, const uint8_t *pixels)
{
    return stbi_write_png(path, width, height, channels, pixels, width * channels) ? 0 : -1;
}

int pml_gnuplot_render(const char *script_path)
{
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) return 1;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "gnuplot '%s' 2>/dev/null", script_path);
    int r = system(cmd);
    return (r != -1 && WIFEXITED(r) && WEXITSTATUS(r) == 0) ? 0 : -1;
}
