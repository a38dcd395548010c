/* The least any reader of an MLflow file store must do to answer an unfiltered search: open,
 * read and close every file of every run (meta.yaml, params/, metrics/, tags/, recursively),
 * on all cores, relative to directory descriptors, without parsing or output. bench_core.py
 * compiles it with `cc -O2 -pthread` and reports it as the syscall floor.
 *   read_floor EXPERIMENT_DIR */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char **runs;
static int run_count, threads, experiment_fd;
static long total_bytes;

static void read_folder(int fd) {
    char entries[16384], content[65536];
    long used;
    while ((used = syscall(SYS_getdents64, fd, entries, sizeof entries)) > 0) {
        for (long offset = 0; offset < used;) {
            struct dirent64 *entry = (struct dirent64 *)(entries + offset);
            offset += entry->d_reclen;
            if (entry->d_name[0] == '.') continue;
            if (entry->d_type == DT_DIR) {
                int child = openat(fd, entry->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (child >= 0) { read_folder(child); close(child); }
                continue;
            }
            int file = openat(fd, entry->d_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
            if (file < 0) continue;
            ssize_t n;
            while ((n = read(file, content, sizeof content)) > 0) __atomic_add_fetch(&total_bytes, n, __ATOMIC_RELAXED);
            close(file);
        }
    }
}

static void *worker(void *arg) {
    static const char *folders[] = {"params", "metrics", "tags"};
    char content[65536];
    for (long i = (long)arg; i < run_count; i += threads) {
        int run = openat(experiment_fd, runs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (run < 0) continue;
        int meta = openat(run, "meta.yaml", O_RDONLY | O_CLOEXEC);
        if (meta >= 0) {
            ssize_t n = read(meta, content, sizeof content);
            if (n > 0) __atomic_add_fetch(&total_bytes, n, __ATOMIC_RELAXED);
            close(meta);
        }
        for (int f = 0; f < 3; f++) {
            int folder = openat(run, folders[f], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (folder >= 0) { read_folder(folder); close(folder); }
        }
        close(run);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: read_floor EXPERIMENT_DIR\n"); return 2; }
    experiment_fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = experiment_fd < 0 ? NULL : fdopendir(dup(experiment_fd));
    if (!dir) { perror(argv[1]); return 1; }
    size_t capacity = 1024;
    runs = malloc(capacity * sizeof *runs);
    for (struct dirent *entry; (entry = readdir(dir));) {
        if (entry->d_type != DT_DIR || entry->d_name[0] == '.' || !strcmp(entry->d_name, "tags") ||
            !strcmp(entry->d_name, "datasets") || !strcmp(entry->d_name, "traces") || !strcmp(entry->d_name, "models")) continue;
        if ((size_t)run_count == capacity) runs = realloc(runs, (capacity *= 2) * sizeof *runs);
        runs[run_count++] = strdup(entry->d_name);
    }
    threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    if (threads > 64) threads = 64;
    pthread_t ids[64];
    for (long t = 0; t < threads; t++) pthread_create(&ids[t], NULL, worker, (void *)t);
    for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
    printf("%d runs, %ld bytes\n", run_count, total_bytes);
    return 0;
}
