#ifndef MLTUI_CDIRENTS_H
#define MLTUI_CDIRENTS_H
#include <stddef.h>
#include <sys/types.h>

/// getdents64(2): fills `buffer` with `struct linux_dirent64` records of the directory open at
/// `fd`; returns the bytes used, 0 at the end, -1 with errno on failure. Lets the file store list
/// tens of thousands of small folders without opendir's extra fstat/fcntl/malloc per folder.
ssize_t mltui_getdents64(int fd, void *buffer, size_t size);

/// The offsets of the fields of one record, for reading them from Swift.
enum { MLTUI_DIRENT_RECLEN = 16, MLTUI_DIRENT_TYPE = 18, MLTUI_DIRENT_NAME = 19 };

#endif
