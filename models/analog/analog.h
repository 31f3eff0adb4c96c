/* Analogue RRAM CIM baseline: the network's binary conv layers on analogue crossbars of the
 * chip's cells (word-line inputs, multi-row reads, sample-and-hold, column-muxed ADCs, digital
 * shift-add). Formulas and sources: docs/energy.md, section "Analogue RRAM CIM baseline". */
#ifndef CIM_ANALOG_H
#define CIM_ANALOG_H

#include "models/config/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the baseline's configuration (configs/baselines/NAME.yaml, root key analog:) -- */
/* Crossbars of the chip's cells with DACs, multi-row reads, sample-and-hold and shared
 * ADCs. The key table (ranges, units, defaults) is cim_analog_schema (analog_cfg.c);
 * docs/energy.md, "Analogue RRAM CIM baseline", gives each key's source and formula. */
typedef enum { CIM_ADC_NEUROSIM_SAR, CIM_ADC_WALDEN, CIM_ADC_MODEL_COUNT } CimAdcModel;
#define CIM_ADC_MODEL_NAMES "neurosim_sar,walden" /* analog.adc.model, in enum order */
/* skip: pruned filters get no columns (the digital chip's mapping); map: every filter does. */
typedef enum { CIM_ANALOG_PRUNED_SKIP, CIM_ANALOG_PRUNED_MAP, CIM_ANALOG_PRUNED_COUNT } CimAnalogPruned;
#define CIM_ANALOG_PRUNED_NAMES "skip,map" /* analog.crossbar.pruned_filters, in enum order */

typedef struct {
    unsigned rows, cols;            /* cells */
    unsigned rows_active;           /* filter elements summed by one read (one conversion) */
    unsigned cells_per_weight;      /* 1: one 0/1 cell; 2: XNOR pair on two rows */
    CimAnalogPruned pruned_filters;
} CimXbarCfg;

typedef struct {
    CimAdcModel model;
    unsigned bits;                  /* resolution */
    unsigned share;                 /* columns per ADC through a column mux */
    unsigned lsb_cells;             /* one LSB = this many unit-cell currents */
    double cycle_ns;                /* conversion time = (bits + 1) * cycle_ns */
    double sar_uw_per_bit;          /* neurosim_sar: P = sar_uw_per_bit * bits + sar_uw_fixed */
    double sar_uw_fixed;
    double sar_transistors_fixed;   /* neurosim_sar area: (fixed + per_bit * (bits - 1)) */
    double sar_transistors_per_bit; /*   transistors of transistor_area_f2 * F^2 each */
    double transistor_area_f2;
    double walden_fom_fj;           /* walden: E = fom * 2^bits per conversion */
    double walden_area_um2;         /* walden: area of one ADC */
    double mux_transistors_per_column; /* column mux, when share > 1 */
} CimAdcCfg;

typedef struct {
    unsigned bits;                  /* input bits applied per read */
    double power_1bit_uw;           /* power of a 1-bit DAC; x 2^(bits-1) */
    double area_1bit_um2;           /* area of a 1-bit DAC; x 2^(bits-1) */
} CimDacCfg;

typedef struct {
    double power_nw;                /* one sample-and-hold while it holds */
    double area_um2;
} CimShCfg;

typedef struct {
    unsigned accumulator_bits;      /* shift-add accumulator width */
    unsigned buffer_kib;            /* global buffer */
} CimAnalogDigitalCfg;

/* int8 layers (point-cloud networks): weight codes bit-sliced over cells, input codes
 * applied bit-serially, every column read per step, shift-add in the periphery. */
typedef struct {
    unsigned bits_per_cell;         /* weight bits one cell holds: 8 / bits_per_cell columns per weight */
    unsigned input_bits_per_step;   /* input bits one read applies (a DAC of that many bits) */
    unsigned accumulator_bits;      /* shift-add accumulator width for int8 layers */
} CimAnalogMultibitCfg;

typedef struct {
    char name[CIM_NAME_MAX];
    CimXbarCfg xbar;
    CimAdcCfg adc;
    CimDacCfg dac;
    CimShCfg sh;
    CimAnalogDigitalCfg digital;
    CimAnalogMultibitCfg multibit;
} CimAnalogCfg;

/* ---- the baseline file (analog_cfg.c) --------------------------------------------- */
/* The key table of analogue-baseline files (root analog:), offsets into CimAnalogCfg. */
extern const CimCfgSchema cim_analog_schema;
/* Loads an analogue-baseline file (configs/baselines/analog_180nm.yaml); overrides must
 * all start with "analog.". Errors as cim_cfg_load; out is fully written only on CIM_OK. */
CimStatus cim_analog_cfg_load(const char *path, const CimOverrides *ov, CimAnalogCfg *out, CimDiag *diag);
/* Validates one file (a CimCfgKind checker for `dcim check`). */
CimStatus cim_analog_cfg_check(const char *path, CimDiag *diag);
/* The documented defaults: the values of configs/baselines/analog_180nm.yaml. */
void cim_analog_cfg_defaults(CimAnalogCfg *out);

/* Components the baseline's energy and area are broken down into. */
typedef enum {
    CIM_AC_CELLS,     /* cell read currents and bit-line charge */
    CIM_AC_DAC,       /* input drivers: word line + DAC */
    CIM_AC_ADC,       /* ADCs and their column muxes */
    CIM_AC_SH,        /* sample-and-hold, one per column */
    CIM_AC_SHIFT_ADD, /* accumulation, corrections, thresholds: adders and registers */
    CIM_AC_BUFFER,    /* global buffer */
    CIM_AC_CONTROL,   /* controller */
    CIM_AC_WRITE,     /* programming drivers (area only: inference writes nothing) */
    CIM_AC_LEAKAGE,   /* static power x time (energy only) */
    CIM_AC_COUNT
} CimAnalogComp;

const char *cim_analog_comp_name(CimAnalogComp c);

/* ---- converters (adc.c) ------------------------------------------------------ */
/* Energy of one conversion at `bits`, pJ. neurosim_sar: (sar_uw_per_bit * bits +
 * sar_uw_fixed) uW x cim_analog_adc_time_ns; walden: walden_fom_fj * 2^bits.
 * Example (defaults, 1 bit): 73.69 uW x 2 ns = 0.147 pJ. */
double cim_analog_adc_energy_pj(const CimAdcCfg *a, unsigned bits);
/* Time of one conversion: (bits + 1) * cycle_ns (a SAR decides one bit per cycle, plus
 * sampling), for both models. */
double cim_analog_adc_time_ns(const CimAdcCfg *a, unsigned bits);
/* Area of one ADC, um^2. neurosim_sar: (sar_transistors_fixed + sar_transistors_per_bit *
 * (bits - 1)) * transistor_area_f2 * F^2 with F = node_nm; walden: walden_area_um2. */
double cim_analog_adc_area_um2(const CimAdcCfg *a, unsigned bits, double node_nm);
/* Column-mux area per column, um^2: mux_transistors_per_column * transistor_area_f2 * F^2. */
double cim_analog_mux_area_um2(const CimAdcCfg *a, double node_nm);
/* One input applied by one DAC for one read of t_read_ns: power_1bit_uw * 2^(bits-1) x
 * t_read_ns, pJ. */
double cim_analog_dac_energy_pj(const CimDacCfg *d, double t_read_ns);
double cim_analog_dac_area_um2(const CimDacCfg *d);

/* ---- ADC read-out (bit-true) ----------------------------------------------------- */
/* Smallest resolution that reads every partial sum 0..rows_active exactly with
 * lsb_cells = 1: ceil(log2(rows_active + 1)). Example: 128 -> 8, 127 -> 7. */
unsigned cim_analog_lossless_bits(unsigned rows_active);
/* One ADC read of a column partial sum p (in unit-cell currents: LRS cells conducting on
 * the driven rows): code = min(floor(p / lsb + 1/2), 2^bits - 1) (halves round up, codes
 * clip at full scale (2^bits - 1) * lsb), and the value the digital side accumulates,
 * code * lsb. Examples: bits 3, lsb 1: 5 -> 5, 9 -> 7 (clipped); bits 3, lsb 2: 5 -> 6,
 * 4 -> 4, 20 -> 14. */
uint32_t cim_analog_adc_read(uint32_t p, unsigned bits, unsigned lsb_cells);

/* ---- layers and their mapping (map.c) ---------------------------------------------- */
/* One binary conv layer (stride 1) as the crossbars see it. */
typedef struct {
    unsigned in_c, in_h, in_w, k, pad;
    unsigned out_h, out_w;       /* conv output positions, before any pooling */
    unsigned filters, live;      /* all filters; those not pruned */
    unsigned out_bits;           /* bits written per output value: 1 binarised, 32 integers */
    unsigned out_values;         /* values written per filter per image (after pooling) */
} CimAnalogShape;

/* What the data did on one layer, summed over `images` images (cim_analog_conv_run counts
 * it; cim_analog_assume_activity states an assumption instead). */
typedef struct {
    double driven_elems;   /* input elements whose word line was driven, over positions */
    double lrs_reads;      /* LRS cells read on driven rows, over mapped columns (= sum of p) */
    uint64_t reads;        /* ADC reads of mapped partial sums */
    uint64_t inexact;      /* reads whose value differs from p (clipped or rounded) */
    uint64_t clipped;      /* reads with p above full scale */
    uint64_t images;
} CimAnalogActivity;

/* Filters are columns (one per filter in both cell modes), filter elements are rows in the
 * digital chip's tap-major order e = (ky*k + kx)*in_c + c, cells_per_weight rows each. */
typedef struct {
    unsigned elems;          /* filter length L = in_c * k * k */
    unsigned elems_per_tile; /* rows / cells_per_weight */
    unsigned row_tiles, col_tiles;
    unsigned mapped;         /* filters with columns (pruned_filters: skip leaves pruned out) */
    unsigned groups;         /* reads per position, summed over row tiles */
    unsigned groups_max;     /* reads per position of the busiest row tile */
    unsigned adcs;           /* ADCs per crossbar: cols / share */
    unsigned rounds_max;     /* conversion rounds per read on the fullest column tile */
    uint64_t positions;      /* out_h * out_w */
    uint64_t crossbars;      /* row_tiles * col_tiles: each layer has its own crossbars */
} CimAnalogMap;

/* CIM_ERR_RANGE if the shape is empty or inconsistent (k > 0, live <= filters, out sizes
 * equal to in + 2 pad - k + 1). */
CimStatus cim_analog_map(const CimAnalogCfg *c, const CimAnalogShape *s, CimAnalogMap *m);
/* Stated activity for costing without data, one image: half the inputs are +1 (all valid
 * elements are driven with cells_per_weight 2), half the cells on driven rows are LRS;
 * padding is ignored. */
void cim_analog_assume_activity(const CimAnalogCfg *c, const CimAnalogMap *m, CimAnalogActivity *act);

/* ---- events, energy, latency, area (cost.c) ---------------------------------------- */
/* Events of one image on one layer (doubles: averages over the images of an activity). */
typedef struct {
    double xbar_reads;       /* crossbar reads (all column tiles of one read group count) */
    double conversions;      /* ADC conversions = S&H samples = bit lines read */
    double sh_ns;            /* S&H hold time summed over samples */
    double wordlines;        /* driven word lines, one DAC input each */
    double cells_lrs, cells_hrs;
    double fa_ops;           /* full-adder bit operations */
    double reg_bits;         /* accumulator register bits written */
    double buffer_bits;      /* global-buffer bits read or written */
    double instructions;     /* controller steps */
} CimAnalogEvents;

typedef struct {
    double pj[CIM_AC_COUNT];
    double total_pj;         /* always the sum of pj[] */
} CimAnalogEnergy;

typedef struct {
    double um2[CIM_AC_COUNT];
    double total_um2;        /* always the sum of um2[] */
} CimAnalogArea;

/* Per image, from the mapping and the activity (averaged over act->images; images 0 is
 * CIM_ERR_RANGE). */
CimStatus cim_analog_events(const CimAnalogCfg *c, const CimAnalogShape *s, const CimAnalogMap *m,
                            const CimAnalogActivity *act, CimAnalogEvents *ev);
/* Dynamic energy of the events (pj[CIM_AC_LEAKAGE] and pj[CIM_AC_WRITE] are 0). Cell,
 * word-line, bit-line, adder, register, buffer and controller energies come from tech. */
void cim_analog_energy(const CimAnalogCfg *c, const CimTechCfg *t, const CimAnalogEvents *ev,
                       CimAnalogEnergy *out);
/* One image through one layer, ns: positions x (groups_max x (t_read + rounds_max x t_conv)
 * + t_shift_add). Row and column tiles run concurrently on their own crossbars. */
double cim_analog_latency_ns(const CimAnalogCfg *c, const CimTechCfg *t, const CimAnalogMap *m);
/* Static power x time, pJ: (leakage_per_macro_uw x crossbars + leakage_control_uw) x ns. */
double cim_analog_leakage_pj(const CimTechCfg *t, uint64_t crossbars, double ns);
/* Area of `crossbars` crossbars with their periphery, the buffer and the controller. */
void cim_analog_area(const CimAnalogCfg *c, const CimTechCfg *t, uint64_t crossbars, CimAnalogArea *out);

typedef struct {
    CimAnalogMap map;
    CimAnalogEvents ev;
    CimAnalogEnergy energy;  /* dynamic, per image */
    double latency_ns;       /* per image */
    uint64_t macs;           /* positions x L x filters (every filter, as the network defines) */
} CimAnalogLayerCost;

typedef struct {
    CimAnalogEnergy energy;  /* per image, leakage over latency_ns included */
    CimAnalogArea area;
    CimAnalogEvents ev;      /* per image, summed over layers */
    double latency_ns;       /* per image, layers one after another */
    uint64_t macs, crossbars;
} CimAnalogCost;

/* Costs of n layers run one after another. acts[i] (acts may be NULL: assumed activity for
 * every layer) is layer i's activity; layers (may be NULL) receives n per-layer costs.
 * CIM_ERR_RANGE from cim_analog_map or cim_analog_events. */
CimStatus cim_analog_net_cost(const CimAnalogCfg *c, const CimTechCfg *t, const CimAnalogShape *shapes,
                              const CimAnalogActivity *acts, size_t n, CimAnalogLayerCost *layers,
                              CimAnalogCost *out);

/* ---- int8 layers (point-cloud networks; map.c, cost.c) ------------------------------ */
/* One int8 1x1 conv as the crossbars see it: `positions` input vectors of in_c codes per
 * inference against `filters` filters (every filter is mapped: the digital chip computes
 * pruned point-cloud filters too, their output being the reference's). Mapping
 * (docs/energy.md, "int8 layers"): rows are input channels; each weight code's two's-
 * complement bits are sliced over ceil(8 / bits_per_cell) cells on adjacent columns; inputs
 * are applied as ceil(8 / input_bits_per_step) steps of input_bits_per_step bits (two's
 * complement, the top step signed); every read of every column is one ADC conversion,
 * shift-added (with the sign of the top slice and step) into an int32 per filter. */
typedef struct {
    uint64_t positions;
    unsigned in_c, filters;
} CimAnalogInt8Shape;

/* 1 when codes are stored and applied offset by 128 (unsigned v + 128): with cells or steps
 * of more than one bit, whose top digit would mix the sign bit with others. The periphery
 * then subtracts 128 x sum(x) per position, 128 x sum(w) per filter (fixed) and 128^2 x C:
 * per output two adds more, per position a sum over C. 0 (both 1 bit, the defaults): two's
 * complement bit planes, the top one subtracted in the shift-add. */
int cim_analog_int8_offset(const CimAnalogCfg *c);
/* Columns per weight, ceil(8 / bits_per_cell), and input steps, ceil(8 / input_bits_per_step). */
unsigned cim_analog_int8_slices(const CimAnalogCfg *c);
unsigned cim_analog_int8_steps(const CimAnalogCfg *c);
/* ADC resolution that reads every partial sum of an int8 read exactly (lsb_cells 1):
 * ceil(log2(rows_active x (2^bits_per_cell - 1) x (2^input_bits_per_step - 1) + 1)), in
 * unit-cell currents (a cell at level l driven at level v conducts l x v units). Example:
 * 128 rows, 1-bit cells and inputs -> 8; 2-bit cells -> 9 (383 units). */
unsigned cim_analog_int8_lossless_bits(const CimAnalogCfg *c);
/* The map of an int8 layer: elems = in_c, columns `mapped` = filters x slices, positions =
 * shape positions x steps (each step is a read position). CIM_ERR_RANGE on an empty shape or
 * a crossbar the config cannot read (as cim_analog_map). */
CimStatus cim_analog_int8_map(const CimAnalogCfg *c, const CimAnalogInt8Shape *s, CimAnalogMap *m);
/* Adds one input's activity: x[P][C] and w[F][C] codes (their bit patterns: two's
 * complement, or offset by 128 under cim_analog_int8_offset); driven_elems += sum over p, c of
 * the steps whose input bits are not all 0; lrs_reads += the same steps x the cells of row c
 * (over the filters' slices) holding a non-zero level. images is not changed. */
void cim_analog_int8_activity(const CimAnalogCfg *c, const int8_t *x, const int8_t *w, size_t P, size_t C, size_t F,
                              CimAnalogActivity *act);
/* Events of one inference (activity averaged over act->images; 0 is CIM_ERR_RANGE), with
 * P' = positions x steps, G = reads per step over row tiles, M = columns:
 * crossbar reads P' G col_tiles, conversions P' G M, word lines driven x col_tiles, LRS
 * cells lrs, HRS cells driven M - lrs, register bits conversions x
 * multibit.accumulator_bits, adder bit-ops the same plus, under cim_analog_int8_offset,
 * (positions x (2 filters + in_c)) x accumulator_bits for the offset corrections, buffer bits positions x in_c x 8 + positions x filters x 32,
 * controller steps P' (G + 1). */
CimStatus cim_analog_int8_events(const CimAnalogCfg *c, const CimAnalogInt8Shape *s, const CimAnalogMap *m,
                                 const CimAnalogActivity *act, CimAnalogEvents *ev);
/* Costs of n int8 layers run one after another, as cim_analog_net_cost (DAC energy at
 * input_bits_per_step bits; latency, leakage and area by the binary layers' formulas on the
 * int8 map). acts must have n entries (measured activity). */
CimStatus cim_analog_int8_net_cost(const CimAnalogCfg *c, const CimTechCfg *t, const CimAnalogInt8Shape *shapes,
                                   const CimAnalogActivity *acts, size_t n, CimAnalogLayerCost *layers,
                                   CimAnalogCost *out);

/* ---- bit-true layer (conv.c) ------------------------------------------------------- */
typedef struct CimAnalogConv CimAnalogConv;

/* Programs one layer: w is [filters][in_c][k][k] (a cell holds 1 for w > 0, the +1
 * weights); mapped[f] (NULL: all) says which filters have columns. CIM_ERR_RANGE as
 * cim_analog_map, CIM_ERR_NOMEM. */
CimStatus cim_analog_conv_create(const CimAnalogCfg *c, const CimAnalogShape *s, const float *w,
                                 const uint8_t *mapped, const CimAlloc *a, CimAnalogConv **out);
void cim_analog_conv_destroy(CimAnalogConv *cv);
/* One image: in is [in_c][in_h][in_w] of +1 / -1; acc receives [filters][out_h][out_w]
 * +-1 dot products (zero padding adds 0). A mapped filter's dot product is rebuilt from its
 * ADC-read partial sums, one per read group (docs/energy.md gives the identities):
 *   cells_per_weight 1: 4 A - 2 px - 2 pw + V, A = sum of reads of popcount(x AND w)
 *   cells_per_weight 2: 2 M - V,               M = sum of reads of matches (XNOR)
 * with px = inputs +1, pw = +1 weights on valid taps, V = valid taps; an unmapped filter's
 * is computed exactly by the digital periphery. act (may be NULL) is added to, images + 1.
 * Not thread-safe on one CimAnalogConv (it owns its scratch rows). */
void cim_analog_conv_run(CimAnalogConv *cv, const int8_t *in, int32_t *acc, CimAnalogActivity *act);

#ifdef __cplusplus
}
#endif
#endif
