#ifndef MLTUI_CPNG_SHIM_H
#define MLTUI_CPNG_SHIM_H
#include <png.h>
#include <string.h>
#include <stdlib.h>

// libpng's simplified API reports errors by return value (no longjmp into Swift). Decodes a
// PNG held in memory to 8-bit RGBA; returns NULL with `message` filled on failure. Free with free().
static inline unsigned char *mltui_png_decode_rgba(const void *data, size_t size, unsigned *width,
                                                   unsigned *height, char *message, size_t message_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        strncpy(message, image.message, message_size - 1);
        message[message_size - 1] = 0;
        return NULL;
    }
    image.format = PNG_FORMAT_RGBA;
    if (image.width == 0 || image.height == 0 || (size_t)image.width * image.height > 64u * 1024 * 1024) {
        png_image_free(&image);
        strncpy(message, "image too large", message_size - 1);
        message[message_size - 1] = 0;
        return NULL;
    }
    unsigned char *pixels = malloc(PNG_IMAGE_SIZE(image));
    if (!pixels) { png_image_free(&image); strncpy(message, "out of memory", message_size - 1); return NULL; }
    if (!png_image_finish_read(&image, NULL, pixels, 0, NULL)) {
        strncpy(message, image.message, message_size - 1);
        message[message_size - 1] = 0;
        free(pixels);
        png_image_free(&image);
        return NULL;
    }
    *width = image.width;
    *height = image.height;
    return pixels;
}
#endif
