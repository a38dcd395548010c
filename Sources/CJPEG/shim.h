#ifndef MLTUI_CJPEG_SHIM_H
#define MLTUI_CJPEG_SHIM_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

// libjpeg's default error handler calls exit(); this one longjmps back here, inside C, so a
// corrupt JPEG becomes an error message instead of ending mltui.
struct mltui_jpeg_error {
    struct jpeg_error_mgr base;
    jmp_buf jump;
};

static void mltui_jpeg_error_exit(j_common_ptr info) {
    longjmp(((struct mltui_jpeg_error *)info->err)->jump, 1);
}

static void mltui_jpeg_no_output(j_common_ptr info) { (void)info; }

// Decodes a JPEG held in memory to 8-bit RGB; returns NULL with `message` filled on failure.
// Free with free().
static inline unsigned char *mltui_jpeg_decode_rgb(const unsigned char *data, unsigned long size, unsigned *width,
                                                   unsigned *height, char *message, size_t message_size) {
    struct jpeg_decompress_struct info;
    struct mltui_jpeg_error error;
    unsigned char *volatile pixels = NULL;
    info.err = jpeg_std_error(&error.base);
    error.base.error_exit = mltui_jpeg_error_exit;
    error.base.output_message = mltui_jpeg_no_output;
    if (setjmp(error.jump)) {
        char text[JMSG_LENGTH_MAX];
        (*info.err->format_message)((j_common_ptr)&info, text);
        strncpy(message, text, message_size - 1);
        message[message_size - 1] = 0;
        jpeg_destroy_decompress(&info);
        free(pixels);
        return NULL;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, size);
    jpeg_read_header(&info, TRUE);
    info.out_color_space = JCS_RGB;
    jpeg_start_decompress(&info);
    if ((size_t)info.output_width * info.output_height > 64u * 1024 * 1024 || info.output_components != 3) {
        strncpy(message, "image too large or not RGB", message_size - 1);
        message[message_size - 1] = 0;
        jpeg_destroy_decompress(&info);
        return NULL;
    }
    size_t stride = (size_t)info.output_width * 3;
    pixels = malloc(stride * info.output_height);
    if (!pixels) { jpeg_destroy_decompress(&info); strncpy(message, "out of memory", message_size - 1); return NULL; }
    while (info.output_scanline < info.output_height) {
        unsigned char *row = pixels + stride * info.output_scanline;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    *width = info.output_width;
    *height = info.output_height;
    jpeg_destroy_decompress(&info);
    return pixels;
}
#endif
