#define _GNU_SOURCE
#include "cdirents.h"
#include <errno.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#include <linux/openat2.h>
#endif

ssize_t mltui_getdents64(int fd, void *buffer, size_t size) {
#ifdef SYS_getdents64
    return syscall(SYS_getdents64, fd, buffer, size);
#else
    (void)fd; (void)buffer; (void)size;
    errno = ENOSYS;
    return -1;
#endif
}

int mltui_open_without_links(int dirfd, const char *path, int flags) {
#if defined(SYS_openat2) && defined(RESOLVE_NO_SYMLINKS)
    struct open_how how = { .flags = (unsigned long long)flags, .mode = 0, .resolve = RESOLVE_NO_SYMLINKS };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
#else
    (void)dirfd; (void)path; (void)flags;
    errno = ENOSYS;
    return -1;
#endif
}
