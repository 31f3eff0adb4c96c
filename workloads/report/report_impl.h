/* Internal to workloads/report/: pieces shared between its writers. */
#ifndef CIM_REPORT_IMPL_H
#define CIM_REPORT_IMPL_H

#include <jansson.h>

#include "workloads/report/report.h"

/* The mapping section of stats.json (mapping.c). */
json_t *cim_report_mapping_json(const CimRunReport *r);

#endif
