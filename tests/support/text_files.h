/* Test helpers for file-driven tests: read a text file, make a variant of it by replacing
 * one snippet, and look for a message among a CimDiag's entries. */
#ifndef CIM_TEST_TEXT_FILES_H
#define CIM_TEST_TEXT_FILES_H

#include "models/common/common.h"

/* The whole file (up to 64 KiB) as a NUL-terminated malloc'd string, or NULL. */
char *test_read_text(const char *path);
/* text with the first occurrence of old replaced by new_text (malloc'd); fails the test
 * when old is not in text. */
char *test_subst(const char *text, const char *old, const char *new_text);
/* 1 if an entry of d (an error only, when errors_only) contains part. */
int test_diag_has(const CimDiag *d, const char *part, int errors_only);

#endif
