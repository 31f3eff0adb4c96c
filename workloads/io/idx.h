/* Reader for IDX files (LeCun's MNIST format: big-endian magic and dimensions, then u8
 * data): images (magic 0x00000803, n x rows x cols) and labels (0x00000801, n). */
#ifndef CIM_IDX_H
#define CIM_IDX_H

#include "models/common/common.h"

#define CIM_IDX_MAGIC_IMAGES 0x00000803u /* unsigned bytes, 3 dimensions */
#define CIM_IDX_MAGIC_LABELS 0x00000801u /* unsigned bytes, 1 dimension */

/* n images of rows x cols pixels, row-major: pixel (r, c) of image i is
 * pixels[(i * rows + r) * cols + c], 0 = background, 255 = ink for MNIST. */
typedef struct {
    size_t n, rows, cols;
    uint8_t *pixels;
    CimAlloc alloc; /* what pixels came from */
} CimIdxImages;

typedef struct {
    size_t n;
    uint8_t *labels;
    CimAlloc alloc;
} CimIdxLabels;

/* Load one file. The whole file must match its header exactly. Errors, each naming the
 * file: CIM_ERR_IO (cannot open/read), CIM_ERR_FORMAT (shorter than the header, bad magic,
 * with a note when the file looks gzip-compressed, size differs from the header's
 * 16 + n*rows*cols or 8 + n bytes, overflow), CIM_ERR_NOMEM. On error *out is zeroed and
 * owns nothing. alloc NULL means malloc; diag must not be NULL. Labels are not
 * range-checked here. */
CimStatus cim_idx_load_images(const char *path, const CimAlloc *alloc, CimIdxImages *out,
                              CimDiag *diag);
CimStatus cim_idx_load_labels(const char *path, const CimAlloc *alloc, CimIdxLabels *out,
                              CimDiag *diag);
void cim_idx_images_free(CimIdxImages *im); /* leaves it zeroed; fine on a zeroed one */
void cim_idx_labels_free(CimIdxLabels *lb);

/* A matching pair: images.n == labels.n. */
typedef struct {
    CimIdxImages images;
    CimIdxLabels labels;
} CimMnist;

/* Loads an image file and a label file as a pair and checks that the counts agree
 * (CIM_ERR_FORMAT naming both files otherwise) and, when max_label >= 0, that every label
 * is at most max_label (CIM_ERR_FORMAT naming the file and index). */
CimStatus cim_idx_load_pair(const char *images_path, const char *labels_path, int max_label,
                            const CimAlloc *alloc, CimMnist *out, CimDiag *diag);

/* Loads DIR/<set>-images-idx3-ubyte and DIR/<set>-labels-idx1-ubyte, set being "train" or
 * "t10k" (anything else is CIM_ERR_RANGE), as a pair with labels checked to be digits
 * 0..9. A missing file adds a note to run scripts/fetch_mnist.sh. */
CimStatus cim_mnist_load(const char *dir, const char *set, const CimAlloc *alloc,
                         CimMnist *out, CimDiag *diag);
void cim_mnist_free(CimMnist *m);

#endif
