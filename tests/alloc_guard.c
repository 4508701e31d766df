/*
 * alloc_guard.c - the allocator `make check-alloc` links under every src/
 * and port/ object. Those objects are copied with objcopy --redefine-sym
 * so that their calls to malloc, calloc, realloc, free, strdup, strndup,
 * aligned_alloc, posix_memalign, fopen and getline land here instead of in
 * libc. Every such call fails (returns NULL / -1 / ENOMEM) and is counted;
 * when the program ends with a count above zero it prints which function
 * was called and exits with status 1, so tests/run.sh counts a failure even
 * when the library coped with the NULL. main.c and the tests themselves
 * are not redirected: they may acquire memory.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

void *clk_guard_malloc(size_t n);
void *clk_guard_calloc(size_t n, size_t k);
void *clk_guard_realloc(void *p, size_t n);
void clk_guard_free(void *p);
char *clk_guard_strdup(const char *s);
char *clk_guard_strndup(const char *s, size_t n);
void *clk_guard_aligned_alloc(size_t a, size_t n);
int clk_guard_posix_memalign(void **p, size_t a, size_t n);
FILE *clk_guard_fopen(const char *path, const char *mode);
ssize_t clk_guard_getline(char **line, size_t *cap, FILE *f);

static unsigned long hits;
static const char *first = "";

static void report(void)
{
    if (hits) {
        char msg[160];
        int n = snprintf(msg, sizeof msg, "alloc guard: %lu call(s) from src/ or port/ to the allocator (first: %s)\n",
                         hits, first);
        if (n > 0) (void)!write(2, msg, (size_t)n);
        _exit(1);
    }
}

static void hit(const char *what)
{
    if (hits++ == 0) {
        first = what;
        atexit(report);
    }
    errno = ENOMEM;
}

void *clk_guard_malloc(size_t n) { (void)n; hit("malloc"); return NULL; }
void *clk_guard_calloc(size_t n, size_t k) { (void)n; (void)k; hit("calloc"); return NULL; }
void *clk_guard_realloc(void *p, size_t n) { (void)p; (void)n; hit("realloc"); return NULL; }
void clk_guard_free(void *p) { if (p) hit("free"); }
char *clk_guard_strdup(const char *s) { (void)s; hit("strdup"); return NULL; }
char *clk_guard_strndup(const char *s, size_t n) { (void)s; (void)n; hit("strndup"); return NULL; }
void *clk_guard_aligned_alloc(size_t a, size_t n) { (void)a; (void)n; hit("aligned_alloc"); return NULL; }
int clk_guard_posix_memalign(void **p, size_t a, size_t n)
{
    (void)a;
    (void)n;
    *p = NULL;
    hit("posix_memalign");
    return ENOMEM;
}
FILE *clk_guard_fopen(const char *path, const char *mode) { (void)path; (void)mode; hit("fopen"); return NULL; }
ssize_t clk_guard_getline(char **line, size_t *cap, FILE *f) { (void)line; (void)cap; (void)f; hit("getline"); return -1; }
