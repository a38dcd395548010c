#ifndef MLTUI_CDIRENTS_H
#define MLTUI_CDIRENTS_H
#include <stddef.h>
#include <sys/types.h>

/// getdents64(2): fills `buffer` with `struct linux_dirent64` records of the directory open at
/// `fd`; returns the bytes used, 0 at the end, -1 with errno on failure. Lets the file store list
/// tens of thousands of small folders without opendir's extra fstat/fcntl/malloc per folder.
ssize_t mltui_getdents64(int fd, void *buffer, size_t size);

/// openat2(2) with RESOLVE_NO_SYMLINKS: opens `path` relative to `dirfd` only when no component
/// of it is a symbolic link (ELOOP otherwise), in one call; -1 with ENOSYS where the kernel or
/// the platform lacks it (Linux before 5.6, a seccomp filter, macOS).
int mltui_open_without_links(int dirfd, const char *path, int flags);

/// The offsets of the fields of one record, for reading them from Swift.
enum { MLTUI_DIRENT_RECLEN = 16, MLTUI_DIRENT_TYPE = 18, MLTUI_DIRENT_NAME = 19 };

#endif
