// Video4Linux2 from Swift: the kernel header (linux-libc-dev) needs no library, but every
// VIDIOC_* request code and V4L2_PIX_FMT_* value is a function-like macro, which Swift does not
// import. This shim re-exports the few the capture module uses, and an ioctl that retries EINTR.
#ifndef ZIZHU_CV4L2_SHIM_H
#define ZIZHU_CV4L2_SHIM_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/videodev2.h>

static const unsigned long ZZ_VIDIOC_QUERYCAP = VIDIOC_QUERYCAP;
static const unsigned long ZZ_VIDIOC_ENUM_FMT = VIDIOC_ENUM_FMT;
static const unsigned long ZZ_VIDIOC_S_FMT = VIDIOC_S_FMT;
static const unsigned long ZZ_VIDIOC_S_PARM = VIDIOC_S_PARM;
static const unsigned long ZZ_VIDIOC_REQBUFS = VIDIOC_REQBUFS;
static const unsigned long ZZ_VIDIOC_QUERYBUF = VIDIOC_QUERYBUF;
static const unsigned long ZZ_VIDIOC_QBUF = VIDIOC_QBUF;
static const unsigned long ZZ_VIDIOC_DQBUF = VIDIOC_DQBUF;
static const unsigned long ZZ_VIDIOC_STREAMON = VIDIOC_STREAMON;
static const unsigned long ZZ_VIDIOC_STREAMOFF = VIDIOC_STREAMOFF;

static const unsigned int ZZ_V4L2_PIX_FMT_YUYV = V4L2_PIX_FMT_YUYV;
static const unsigned int ZZ_V4L2_PIX_FMT_MJPEG = V4L2_PIX_FMT_MJPEG;

/// ioctl with a pointer argument, retried while a signal interrupts it.
static inline int zz_v4l2_ioctl(int fd, unsigned long request, void *argument) {
    int result;
    do {
        result = ioctl(fd, request, argument);
    } while (result == -1 && errno == EINTR);
    return result;
}

#endif
