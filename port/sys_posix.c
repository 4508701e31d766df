/*
 * sys_posix.c - the operating system, as clika needs it: whole files
 * (mmap or read), sorted directory listings, crash-safe output files, a
 * monotonic clock, and a fixed thread pool. POSIX.1-2008 only.
 *
 * Nothing here allocates: directory names are sorted inside a buffer the
 * caller planned, and the pool lives in memory the caller passes in.
 */
#define _POSIX_C_SOURCE 200809L
/* 64-bit off_t, ino_t and st_size on 32-bit systems (ARMv7): without it
 * stat/open fail on files of 2 GiB and more, and readdir fails with
 * EOVERFLOW on file systems with 64-bit inode numbers (qemu-arm on a 64-bit
 * host, NFS, btrfs). A no-op where these are already 64 bits. */
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif

#include "port.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#ifndef CLK_THREADS
#define CLK_THREADS 1
#endif
#if CLK_THREADS
#include <pthread.h>
#include <sched.h>
#endif

static int oserr(clk_oserr *e, const char *fmt, ...)
{
    if (e) {
        int saved = errno, n;
        va_list ap;
        va_start(ap, fmt);
        n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < sizeof e->msg && saved)
            snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s", strerror(saved));
    }
    return -1;
}

/* ------------------------------------------------------------ build facts */

#define CLK_STR2(x) #x
#define CLK_STR(x) CLK_STR2(x)
#ifndef CLK_PORT_NAME
#define CLK_PORT_NAME ref
#endif
#ifndef CLK_BUILD_FLAGS
#define CLK_BUILD_FLAGS unknown
#endif
#ifndef CLK_TARGET /* the compiler's target triple, a string (make passes $(CC) -dumpmachine) */
#define CLK_TARGET "unknown"
#endif
#if defined(__clang__)
#define CLK_CC "clang " __clang_version__
#elif defined(__GNUC__)
#define CLK_CC "gcc " CLK_STR(__GNUC__) "." CLK_STR(__GNUC_MINOR__) "." CLK_STR(__GNUC_PATCHLEVEL__)
#else
#define CLK_CC "cc"
#endif

/* e.g. "port=neon target=aarch64-linux-gnu cc=gcc 12.2.0 threads=1 flags=-O2_-static"
 * (flags: the optimisation, -march and static-link settings, spaces as _) */
const char *clk_port_build(void)
{
    return "port=" CLK_STR(CLK_PORT_NAME) " target=" CLK_TARGET " cc=" CLK_CC " threads=" CLK_STR(CLK_THREADS)
           " flags=" CLK_STR(CLK_BUILD_FLAGS);
}

/* ------------------------------------------------------------------ files */

int clk_sys_can_map(void)
{
#ifdef CLK_NO_MMAP
    return 0;
#else
    return 1;
#endif
}

int clk_sys_stat(const char *path, uint64_t *size, int *is_dir)
{
    struct stat st;
    if (stat(path, &st) != 0) return -1;
    if (size) *size = (uint64_t)st.st_size;
    if (is_dir) *is_dir = S_ISDIR(st.st_mode) ? 1 : 0;
    return 0;
}

int clk_sys_map(const char *path, clk_map *m, clk_oserr *e)
{
    struct stat st;
    int fd;
    m->data = NULL;
    m->size = 0;
    m->mapped = 0;
    fd = open(path, O_RDONLY);
    if (fd < 0) return oserr(e, "open '%s'", path);
    if (fstat(fd, &st) != 0) {
        oserr(e, "stat '%s'", path);
        close(fd);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return oserr(e, "open '%s'", path);
    }
    if (st.st_size == 0) { /* mmap of length 0 is an error; an empty file is not */
        close(fd);
        m->data = (const uint8_t *)"";
        return 0;
    }
#ifdef CLK_NO_MMAP
    close(fd);
    errno = ENOSYS;
    return oserr(e, "mmap '%s'", path);
#else
    /* a 32-bit process cannot map 4 GiB or more: say so instead of mapping
     * a truncated length */
    if ((uint64_t)st.st_size > (uint64_t)(SIZE_MAX / 2)) {
        close(fd);
        errno = EFBIG;
        return oserr(e, "mmap '%s': %llu bytes do not fit this process's address space", path,
                     (unsigned long long)st.st_size);
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return oserr(e, "mmap '%s'", path);
    m->data = (const uint8_t *)p;
    m->size = (uint64_t)st.st_size;
    m->mapped = 1;
    return 0;
#endif
}

/* Largest single read(): counts above SSIZE_MAX are implementation-defined,
 * and on 32-bit systems a uint64_t remainder does not fit a size_t. */
#define CHUNK ((uint64_t)1 << 30)

int clk_sys_read(const char *path, void *buf, uint64_t cap, clk_map *m, clk_oserr *e)
{
    uint64_t got = 0;
    int fd = open(path, O_RDONLY);
    m->data = (const uint8_t *)buf;
    m->size = 0;
    m->mapped = 0;
    if (fd < 0) return oserr(e, "open '%s'", path);
    for (;;) {
        ssize_t r;
        if (got == cap) { /* full: the file must end here */
            char probe;
            r = read(fd, &probe, 1);
            if (r > 0) {
                close(fd);
                errno = EFBIG;
                return oserr(e, "read '%s': the file is larger than the %llu bytes planned", path,
                             (unsigned long long)cap);
            }
            break;
        }
        r = read(fd, (char *)buf + got, (size_t)(cap - got < CHUNK ? cap - got : CHUNK));
        if (r < 0) {
            if (errno == EINTR) continue;
            oserr(e, "read '%s'", path);
            close(fd);
            return -1;
        }
        if (r == 0) break;
        got += (uint64_t)r;
    }
    close(fd);
    m->size = got;
    return 0;
}

int clk_sys_read_head(const char *path, void *buf, uint64_t n, uint64_t *got, clk_oserr *e)
{
    int fd = open(path, O_RDONLY);
    *got = 0;
    if (fd < 0) return oserr(e, "open '%s'", path);
    while (*got < n) {
        ssize_t r = read(fd, (char *)buf + *got, (size_t)(n - *got < CHUNK ? n - *got : CHUNK));
        if (r < 0) {
            if (errno == EINTR) continue;
            oserr(e, "read '%s'", path);
            close(fd);
            return -1;
        }
        if (r == 0) break;
        *got += (uint64_t)r;
    }
    close(fd);
    return 0;
}

void clk_sys_unmap(clk_map *m)
{
#ifndef CLK_NO_MMAP
    if (m->mapped && m->size) munmap((void *)(uintptr_t)m->data, (size_t)m->size);
#endif
    m->data = NULL;
    m->size = 0;
    m->mapped = 0;
}

/* Names are packed into `names` as NUL-terminated strings, then sorted by
 * a simple insertion sort over an index kept at the buffer's end. Directory
 * sizes in clika are tens of entries. */
int clk_sys_listdir(const char *path, char *names, size_t cap, int (*fn)(void *ctx, const char *name, int is_dir),
                    void *ctx, clk_oserr *e)
{
    DIR *d = opendir(path);
    struct dirent *de;
    size_t used = 0, n = 0, i, j;
    uint32_t *idx;
    int rc = 0;
    if (!d) return oserr(e, "open directory '%s'", path);
    /* entries grow up from names[0]; the index (one u32 per entry) grows
     * down from the end of the buffer */
    for (;;) {
        size_t len;
        errno = 0; /* readdir returns NULL at the end and on error; errno tells which */
        de = readdir(d);
        if (!de) {
            if (errno != 0) {
                oserr(e, "read directory '%s'", path);
                closedir(d);
                return -1;
            }
            break;
        }
        len = strlen(de->d_name);
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (used + len + 1 + (n + 1) * sizeof(uint32_t) + sizeof(uint32_t) > cap) {
            closedir(d);
            errno = 0;
            return oserr(e, "directory '%s' has more entries than the %zu-byte listing buffer holds", path, cap);
        }
        memcpy(names + used, de->d_name, len + 1);
        idx = (uint32_t *)(void *)(names + (cap & ~(size_t)3) - (n + 1) * sizeof(uint32_t));
        *idx = (uint32_t)used;
        used += len + 1;
        n++;
    }
    closedir(d);
    idx = (uint32_t *)(void *)(names + (cap & ~(size_t)3) - n * sizeof(uint32_t));
    /* idx[0..n) holds the offsets in reverse order of reading; sort them */
    for (i = 1; i < n; i++) {
        uint32_t v = idx[i];
        for (j = i; j > 0 && strcmp(names + idx[j - 1], names + v) > 0; j--) idx[j] = idx[j - 1];
        idx[j] = v;
    }
    for (i = 0; i < n && rc == 0; i++) {
        char full[4096];
        int is_dir = 0;
        struct stat st;
        if ((size_t)snprintf(full, sizeof full, "%s/%s", path, names + idx[i]) < sizeof full &&
            stat(full, &st) == 0)
            is_dir = S_ISDIR(st.st_mode) ? 1 : 0;
        rc = fn(ctx, names + idx[i], is_dir);
    }
    return 0;
}

int clk_sys_mkdirs(const char *path, clk_oserr *e)
{
    char buf[4096];
    size_t i, n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return oserr(e, "mkdir '%s'", path);
    }
    memcpy(buf, path, n + 1);
    for (i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == 0) {
            char c = buf[i];
            struct stat st;
            buf[i] = 0;
            if (stat(buf, &st) != 0) {
                if (mkdir(buf, 0777) != 0 && errno != EEXIST) return oserr(e, "mkdir '%s'", buf);
            } else if (!S_ISDIR(st.st_mode)) {
                errno = ENOTDIR;
                return oserr(e, "mkdir '%s'", buf);
            }
            buf[i] = c;
        }
    }
    return 0;
}

int clk_sys_create(clk_file *f, const char *path, clk_oserr *e)
{
    f->fd = -1;
    f->atomic = 1;
    if (strlen(path) >= sizeof f->path) {
        errno = ENAMETOOLONG;
        return oserr(e, "create '%s'", path);
    }
    strcpy(f->path, path);
    snprintf(f->tmp, sizeof f->tmp, "%s.tmp-%ld", path, (long)getpid());
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (f->fd < 0) return oserr(e, "create '%s'", f->tmp);
    return 0;
}

int clk_sys_append(clk_file *f, const char *path, clk_oserr *e)
{
    f->fd = -1;
    f->atomic = 0;
    f->tmp[0] = 0;
    if (strlen(path) >= sizeof f->path) {
        errno = ENAMETOOLONG;
        return oserr(e, "open '%s'", path);
    }
    strcpy(f->path, path);
    f->fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0666);
    if (f->fd < 0) return oserr(e, "open '%s' for appending", path);
    return 0;
}

int clk_sys_write(clk_file *f, const void *p, size_t n, clk_oserr *e)
{
    const char *c = (const char *)p;
    while (n) {
        ssize_t w = write(f->fd, c, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return oserr(e, "write '%s'", f->atomic ? f->tmp : f->path);
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

int clk_sys_sync(clk_file *f, clk_oserr *e)
{
    if (fsync(f->fd) != 0) return oserr(e, "fsync '%s'", f->path);
    return 0;
}

int clk_sys_truncate(clk_file *f, uint64_t size, clk_oserr *e)
{
    if (ftruncate(f->fd, (off_t)size) != 0) return oserr(e, "truncate '%s'", f->path);
    return 0;
}

int clk_sys_commit(clk_file *f, clk_oserr *e)
{
    int rc = 0;
    if (f->fd < 0) return 0;
    if (fsync(f->fd) != 0) rc = oserr(e, "fsync '%s'", f->atomic ? f->tmp : f->path);
    if (close(f->fd) != 0 && rc == 0) rc = oserr(e, "close '%s'", f->atomic ? f->tmp : f->path);
    f->fd = -1;
    if (f->atomic) {
        if (rc == 0 && rename(f->tmp, f->path) != 0) rc = oserr(e, "rename '%s' to '%s'", f->tmp, f->path);
        if (rc != 0) unlink(f->tmp);
    }
    return rc;
}

void clk_sys_abandon(clk_file *f)
{
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    if (f->atomic && f->tmp[0]) unlink(f->tmp);
}

int clk_sys_remove(const char *path) { return unlink(path) == 0 ? 0 : -1; }

/* ------------------------------------------------------------------- misc */

double clk_sys_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int clk_sys_isatty(int fd) { return isatty(fd); }

uint64_t clk_sys_peak_rss(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (uint64_t)ru.ru_maxrss * 1024u; /* Linux reports KiB */
}

int clk_sys_ncpu(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* ------------------------------------------------------------ thread pool */
/*
 * Dispatch is a generation counter: the caller publishes (fn, ctx, n_tasks),
 * bumps `gen`, and every worker that sees a new generation claims tasks from
 * a shared counter until none are left, then counts itself done. Workers
 * spin for a while before sleeping on a condition variable, because a
 * decode step issues hundreds of short matmuls per token and a sleep/wake
 * per matmul would cost more than the matmul.
 */
/* Stack of each worker thread: what the kernels need (port.h's
 * CLK_KERNEL_STACK) and room for the callers above them, set explicitly
 * because C libraries differ (glibc gives 8 MiB, musl 128 KiB). */
#ifndef CLK_POOL_STACK
#define CLK_POOL_STACK (CLK_KERNEL_STACK + 256 * 1024)
#endif

#ifndef CLK_POOL_SPIN
#define CLK_POOL_SPIN 200000 /* polls before a worker sleeps */
#endif

struct clk_pool {
    int n;                 /* threads including the caller */
    clk_task_fn fn;        /* the current run */
    void *ctx;
    int n_tasks;
    int next;              /* next task to claim (atomic) */
    int busy;              /* workers still inside the current run (atomic) */
    unsigned gen;          /* bumped once per run (atomic) */
    int stop;              /* set once, by clk_pool_stop (atomic) */
#if CLK_THREADS
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int started;           /* worker threads actually created */
    pthread_t th[];        /* [n - 1] more, in the caller's memory (clk_pool_bytes) */
#endif
};

/* Polls before the caller, waiting for workers to finish a run, starts
 * giving its CPU away (sched_yield) at every poll: on a machine with more
 * runnable threads than cores, the worker being waited for may be the one
 * that needs the CPU. */
#ifndef CLK_POOL_YIELD
#define CLK_POOL_YIELD 2000
#endif

#if CLK_THREADS
/* One poll of a spin-wait: the CPU's pause hint (on x86 it also leaves the
 * core's other hyper-thread the execution units), then, after `spins`
 * polls, sched_yield. */
static void spin_pause(long spins)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_ia32_pause();
#elif defined(__GNUC__) && (defined(__aarch64__) || defined(__arm__))
    __asm__ __volatile__("yield" ::: "memory");
#endif
    if (spins > CLK_POOL_YIELD) sched_yield();
}
#endif

#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define ADD(p, v) __atomic_fetch_add((p), (v), __ATOMIC_ACQ_REL)

size_t clk_pool_bytes(int n_threads)
{
    if (n_threads < 1) n_threads = 1;
#if CLK_THREADS
    return sizeof(struct clk_pool) + (size_t)n_threads * sizeof(pthread_t);
#else
    return sizeof(struct clk_pool);
#endif
}

int clk_pool_threads(const clk_pool *p) { return p->n; }

#if CLK_THREADS
/* Claim and run tasks of the current generation until none are left. */
static void pool_work(clk_pool *p)
{
    for (;;) {
        int t = ADD(&p->next, 1);
        if (t >= p->n_tasks) break;
        p->fn(p->ctx, t, p->n_tasks);
    }
}

static void *pool_main(void *arg)
{
    clk_pool *p = (clk_pool *)arg;
    unsigned seen = 0;
    for (;;) {
        unsigned g;
        long spins = 0;
        while ((g = LOAD(&p->gen)) == seen && !LOAD(&p->stop)) {
            if (++spins > CLK_POOL_SPIN) { /* idle: sleep until the next run */
                pthread_mutex_lock(&p->mu);
                while (LOAD(&p->gen) == seen && !LOAD(&p->stop)) pthread_cond_wait(&p->cv, &p->mu);
                pthread_mutex_unlock(&p->mu);
                spins = 0;
            }
        }
        if (LOAD(&p->stop)) return NULL;
        seen = g;
        pool_work(p);
        ADD(&p->busy, -1);
    }
}
#endif

int clk_pool_start(clk_pool **pool, void *mem, int n_threads, clk_oserr *e)
{
    clk_pool *p = (clk_pool *)mem;
    if (n_threads < 1) n_threads = 1;
    memset(p, 0, sizeof *p);
    p->n = n_threads;
#if CLK_THREADS
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    {
        pthread_attr_t attr;
        int rc = pthread_attr_init(&attr);
        if (rc == 0) rc = pthread_attr_setstacksize(&attr, CLK_POOL_STACK);
        if (rc != 0) {
            errno = rc;
            oserr(e, "setting a worker stack of %d bytes", (int)CLK_POOL_STACK);
            clk_pool_stop(p);
            return -1;
        }
        for (p->started = 0; p->started < n_threads - 1; p->started++) {
            rc = pthread_create(&p->th[p->started], &attr, pool_main, p);
            if (rc != 0) {
                errno = rc;
                oserr(e, "starting worker thread %d of %d", p->started + 1, n_threads - 1);
                pthread_attr_destroy(&attr);
                clk_pool_stop(p);
                return -1;
            }
        }
        pthread_attr_destroy(&attr);
    }
#else
    (void)e;
    p->n = 1; /* THREADS=0: every task runs on the caller */
#endif
    *pool = p;
    return 0;
}

void clk_pool_run(clk_pool *p, clk_task_fn fn, void *ctx, int n_tasks)
{
    (void)p; /* THREADS=0: unused */
    if (n_tasks <= 0) return;
#if CLK_THREADS
    if (p->n > 1 && n_tasks > 1) {
        p->fn = fn;
        p->ctx = ctx;
        p->n_tasks = n_tasks;
        STORE(&p->next, 0);
        STORE(&p->busy, p->n - 1);
        pthread_mutex_lock(&p->mu);
        ADD(&p->gen, 1u);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pool_work(p);
        {
            long spins = 0;
            while (LOAD(&p->busy) != 0) spin_pause(spins++); /* workers still finishing a task */
        }
        return;
    }
#endif
    {
        int t;
        for (t = 0; t < n_tasks; t++) fn(ctx, t, n_tasks);
    }
}

void clk_pool_stop(clk_pool *p)
{
#if CLK_THREADS
    int i;
    pthread_mutex_lock(&p->mu);
    STORE(&p->stop, 1);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (i = 0; i < p->started; i++) pthread_join(p->th[i], NULL);
    p->started = 0;
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
#else
    (void)p;
#endif
}
