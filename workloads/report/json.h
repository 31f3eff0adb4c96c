/* The one JSON style of every result file and --json output (jansson): one-space indent,
 * reals with 10 significant digits. Both functions take over the reference to o (NULL:
 * out of memory) and return CIM_ERR_NOMEM, writing nothing, once any of Jansson's
 * allocations in this process has failed (a builder drops a value it could not allocate
 * without a word, so such a tree may lack values; report.c). */
#ifndef CIM_REPORT_JSON_H
#define CIM_REPORT_JSON_H

#include <jansson.h>

#include "workloads/report/report.h"

#define CIM_JSON_FLAGS (JSON_INDENT(1) | JSON_REAL_PRECISION(10))

/* o and a newline to a stream. */
CimStatus cim_json_print(json_t *o, FILE *out);
/* o as DIR/NAME, atomically (cim_report_write_file). */
CimStatus cim_json_write(json_t *o, const char *dir, const char *name, CimDiag *diag);

#endif
