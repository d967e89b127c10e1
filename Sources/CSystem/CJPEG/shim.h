// libjpeg (libjpeg62-turbo via libjpeg-dev), with an error handler Swift can live with.
// Decode to grey for detection; encode grey or RGB for the evidence frames.
//
// libjpeg's default error_exit calls exit(), and Swift cannot longjmp. The decoder below keeps the
// setjmp/longjmp inside C and hands Swift a status code and a message instead.
#ifndef ZIZHU_CJPEG_SHIM_H
#define ZIZHU_CJPEG_SHIM_H

#include <stdio.h>      // jpeglib.h needs FILE and size_t first
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

struct zz_jpeg_error_manager {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

static void zz_jpeg_error_exit(j_common_ptr cinfo) {
    struct zz_jpeg_error_manager *manager = (struct zz_jpeg_error_manager *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, manager->message);
    longjmp(manager->jump, 1);
}

// Warnings ("Premature end of JPEG file", "Corrupt JPEG data") are counted, not printed:
// a frame that needed them is not evidence we want to keep.
static void zz_jpeg_emit_message(j_common_ptr cinfo, int level) {
    struct zz_jpeg_error_manager *manager = (struct zz_jpeg_error_manager *)cinfo->err;
    if (level < 0) {
        if (cinfo->err->num_warnings == 0) {
            (*cinfo->err->format_message)(cinfo, manager->message);
        }
        cinfo->err->num_warnings++;
    }
}

enum zz_jpeg_status {
    ZZ_JPEG_OK = 0,
    ZZ_JPEG_ERROR = 1,        // libjpeg refused the data (message says why)
    ZZ_JPEG_WARNING = 2,      // decoded, but the data was truncated or corrupt
    ZZ_JPEG_TOO_LARGE = 3,    // dimensions beyond the caller's limit
    ZZ_JPEG_NO_MEMORY = 4,
};

/// Decodes a JPEG held in memory to 8-bit grey, one byte per pixel, rows packed.
/// On ZZ_JPEG_OK, *pixels is malloc'd and owned by the caller (free()).
/// max_pixels bounds width*height so a hostile header cannot ask for gigabytes.
static inline int zz_jpeg_decode_gray(const unsigned char *data, unsigned long size, unsigned long max_pixels,
                                      unsigned char **pixels, int *width, int *height,
                                      char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    struct zz_jpeg_error_manager error;
    unsigned char *volatile output = NULL;
    volatile int status = ZZ_JPEG_OK;

    *pixels = NULL; *width = 0; *height = 0;
    if (message_size > 0) message[0] = '\0';
    cinfo.err = jpeg_std_error(&error.base);
    error.base.error_exit = zz_jpeg_error_exit;
    error.base.emit_message = zz_jpeg_emit_message;
    error.message[0] = '\0';

    if (setjmp(error.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(output);
        if (message_size > 0) snprintf(message, message_size, "%s", error.message);
        return ZZ_JPEG_ERROR;
    }
    jpeg_CreateDecompress(&cinfo, JPEG_LIB_VERSION, sizeof(struct jpeg_decompress_struct));
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    if ((unsigned long)cinfo.image_width * (unsigned long)cinfo.image_height > max_pixels) {
        jpeg_destroy_decompress(&cinfo);
        if (message_size > 0) snprintf(message, message_size, "%ux%u is larger than allowed", cinfo.image_width, cinfo.image_height);
        return ZZ_JPEG_TOO_LARGE;
    }
    cinfo.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    output = malloc(stride * cinfo.output_height);
    if (output == NULL) {
        jpeg_destroy_decompress(&cinfo);
        return ZZ_JPEG_NO_MEMORY;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = output + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    if (error.base.num_warnings > 0) status = ZZ_JPEG_WARNING;
    *width = (int)cinfo.output_width;
    *height = (int)cinfo.output_height;
    jpeg_destroy_decompress(&cinfo);
    if (status != ZZ_JPEG_OK) {
        free(output);
        if (message_size > 0) snprintf(message, message_size, "%s", error.message);
        return status;
    }
    *pixels = output;
    return ZZ_JPEG_OK;
}

/// Encodes packed 8-bit grey (components 1) or RGB (components 3) pixels to a baseline JPEG in
/// memory at the given quality (1…100), 4:2:0 for colour. On ZZ_JPEG_OK, *jpeg is malloc'd by
/// libjpeg and owned by the caller (free()).
static inline int zz_jpeg_encode(const unsigned char *pixels, int width, int height, int components, int quality,
                                 unsigned char **jpeg, unsigned long *jpeg_size,
                                 char *message, size_t message_size) {
    struct jpeg_compress_struct cinfo;
    struct zz_jpeg_error_manager error;
    unsigned char *volatile buffer = NULL;
    unsigned long buffer_size = 0;

    *jpeg = NULL; *jpeg_size = 0;
    if (message_size > 0) message[0] = '\0';
    cinfo.err = jpeg_std_error(&error.base);
    error.base.error_exit = zz_jpeg_error_exit;
    error.base.emit_message = zz_jpeg_emit_message;
    error.message[0] = '\0';

    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        if (message_size > 0) snprintf(message, message_size, "%s", error.message);
        return ZZ_JPEG_ERROR;
    }
    jpeg_CreateCompress(&cinfo, JPEG_LIB_VERSION, sizeof(struct jpeg_compress_struct));
    // jpeg_mem_dest writes the (re)allocated buffer's address through this pointer.
    jpeg_mem_dest(&cinfo, (unsigned char **)&buffer, &buffer_size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = components;
    cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    cinfo.optimize_coding = TRUE;   // smaller evidence for the same pixels
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * (size_t)components;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + stride * cinfo.next_scanline);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *jpeg = buffer;
    *jpeg_size = buffer_size;
    return ZZ_JPEG_OK;
}

#endif
