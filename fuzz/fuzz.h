/* Shared by the libFuzzer targets of fuzz/ (docs/fuzzing.md): every target defines
 * LLVMFuzzerTestOneInput and feeds one parser entry point; fuzz_path hands the bytes to the
 * parsers that read a file by name. */
#ifndef CIM_FUZZ_H
#define CIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Writes data to this process's scratch file for ext (e.g. ".yaml"; under $TMPDIR or
 * /tmp, named after the pid; YAML inside a mirror of the tree's configs/ whose relative
 * paths resolve, fuzz_common.c) and returns its path; aborts when the file cannot be
 * written, since every later result would be meaningless. Run from the repository root. */
const char *fuzz_path(const uint8_t *data, size_t size, const char *ext);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
