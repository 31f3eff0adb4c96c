/* Which OpenBLAS kernels dcim's training runs on: the one home of that rule, used by
 * `dcim train` (MNIST and point clouds), its tests and bench/train. docs/training.md,
 * "OpenBLAS kernels". */
#ifndef CIM_TRAIN_BLAS_H
#define CIM_TRAIN_BLAS_H

#ifdef __cplusplus
extern "C" {
#endif

/* The OPENBLAS_CORETYPE this process should run with: "SkylakeX" on a CPU with AVX-512F,
 * "Haswell" on one with AVX2 and FMA, when OpenBLAS fell back to its generic SSE3 "Prescott"
 * kernels (a CPU model it does not know, such as a virtual machine's generic "Intel Xeon
 * Processor") and OPENBLAS_CORETYPE is unset; NULL otherwise (nothing to change). */
const char *cim_blas_wanted_core(void);

/* OpenBLAS picks its kernels once, when the library loads: where cim_blas_wanted_core names
 * one, sets OPENBLAS_CORETYPE and runs this program again (/proc/self/exe) with argv (the
 * whole command line, argv[0] first). Returns only when it does not (nothing to change, or
 * the exec failed: the variable is then unset again and the current kernels stay). */
void cim_blas_fast_kernels(char **argv);

#ifdef __cplusplus
}
#endif
#endif
