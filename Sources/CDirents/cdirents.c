#define _GNU_SOURCE
#include "cdirents.h"
#include <errno.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
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
