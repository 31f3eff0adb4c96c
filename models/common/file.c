/* Opening input files without blocking: a FIFO or device named as a weights, config or data
 * file is refused before the first read (open(2) with O_NONBLOCK, then fstat(2)). */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_text(mode_t m)
{
    if (S_ISDIR(m))
        return "not a regular file (a directory)";
    if (S_ISFIFO(m))
        return "not a regular file (a FIFO)";
    if (S_ISCHR(m))
        return "not a regular file (a character device)";
    if (S_ISBLK(m))
        return "not a regular file (a block device)";
    if (S_ISSOCK(m))
        return "not a regular file (a socket)";
    return "not a regular file";
}

FILE *cim_file_open_regular(const char *path, size_t *size_bytes, const char **why)
{
    if (size_bytes)
        *size_bytes = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *why = strerror(errno);
        return NULL;
    }
    struct stat sb;
    int bad = fstat(fd, &sb) != 0 ? errno : S_ISREG(sb.st_mode) ? 0 : EINVAL;
    if (bad) {
        *why = bad == EINVAL ? kind_text(sb.st_mode) : strerror(bad);
        close(fd);
        errno = bad;
        return NULL;
    }
    int fl = fcntl(fd, F_GETFL);
    FILE *f = fl >= 0 && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0 ? fdopen(fd, "rb") : NULL;
    if (!f) {
        int err = errno;
        *why = strerror(err);
        close(fd);
        errno = err;
        return NULL;
    }
    if (size_bytes)
        *size_bytes = (size_t)sb.st_size;
    *why = NULL;
    return f;
}
