# clika - cross-lingual knowledge alignment, measured on the machines people have.
#
#   make                      build ./clika for this kind of machine (portable defaults)
#   make test                 build and run every test; ends with "N passed, M failed"
#   make PORT=avx2            x86-64 with AVX2+FMA+F16C kernels (PORT=avx512: AVX-512+VNNI;
#                             PORT=x86: both, chosen at run time from the CPU)
#   make CROSS=aarch64-linux-gnu-      cross-compile (binary in build/<target>/)
#   make STATIC=1             static binary (glibc); CC=musl-gcc STATIC=1 with musl
#   make check-cross          every cross target's whole test suite under qemu-user
#   make check-static         the static binaries in an empty root (info, eval)
#   make check-baseline       nothing beyond x86-64-v2 outside port/x86_* (objdump)
#   make default-model        build/models/default.gguf, the embedded default model
#   make bench-models         Qwen2.5-0.5B-shaped random models in build/bench/
#   make help                 every target and setting
#
# ====================== settings: override on the command line =====================
# CC: the compiler (make's default "cc"; "gcc" with CROSS set, as the cross
# packages install <prefix>gcc only). "?=" keeps make's own default visible
# as such, which is how a cross build knows to switch to gcc.
CC     ?= cc
CROSS   =
# PORT: ref | avx2 | avx512 | x86 | neon | auto (auto: x86 on x86-64, neon on ARM,
#       ref elsewhere). x86: the avx2 and avx512 port files both built in, the CPU
#       chooses at run time, so the binary still runs on any x86-64-v2 machine.
PORT    = auto
# STATIC=1 links a static binary (glibc, or musl with CC=musl-gcc)
STATIC  = 0
# NEON_DOTPROD=1 (PORT=neon, AArch64): the port file uses the ARMv8.2 dot-product
# instructions (-march=armv8.2-a+dotprod; Raspberry Pi 5, Apple M1, Graviton 2+;
# NOT the Pi 3/4, whose Cortex-A53/A72 lack them)
NEON_DOTPROD = 0
# THREADS=0 builds without POSIX threads (--threads is then always 1)
THREADS = 1
OPT     = -O2
# SAN=1 builds with AddressSanitizer + UndefinedBehaviorSanitizer (separate build dir)
SAN     = 0
# RUN prefixes every test executable (e.g. RUN="qemu-aarch64 -L /usr/aarch64-linux-gnu",
# the default for CROSS=aarch64-linux-gnu- when qemu-user is installed)
RUN     =
# extra flags appended last
EXTRA_CFLAGS  =
EXTRA_LDFLAGS =
# ===================================================================================

# make's built-in CC is "cc"; a cross build wants the gcc of that prefix.
ifeq ($(origin CC),default)
  ifneq ($(CROSS),)
    CC = gcc
  endif
endif
XCC     := $(CROSS)$(CC)
TARGET  := $(shell $(XCC) -dumpmachine 2>/dev/null)
ifeq ($(TARGET),)
  $(error cannot run '$(XCC) -dumpmachine': is the compiler installed?)
endif
# Debian's musl-gcc is a wrapper around gcc that answers gcc's triple: name
# the build directory after the C library actually linked.
ifneq ($(findstring musl,$(notdir $(XCC))),)
  TARGET := $(subst -gnu,-musl,$(TARGET))
endif
ARCH    := $(firstword $(subst -, ,$(TARGET)))

# A cross build runs its tests (and make default-model) under qemu-user with the
# Debian cross sysroot by default, when that qemu is installed; RUN= on the
# command line overrides.
ifneq ($(CROSS),)
  ifeq ($(origin RUN),file)
    QEMU := qemu-$(if $(filter arm%,$(ARCH)),arm,$(ARCH))
    RUN  := $(if $(shell command -v $(QEMU) 2>/dev/null),$(QEMU) -L /usr/$(TARGET))
  endif
endif

ifeq ($(PORT),auto)
  ifneq ($(filter aarch64 arm%,$(ARCH)),)
    PORT := neon
  else ifeq ($(ARCH),x86_64)
    PORT := x86
  else
    PORT := ref
  endif
endif
ifeq ($(filter ref avx2 avx512 x86 neon,$(PORT)),)
  $(error unknown PORT '$(PORT)': expected ref, avx2, avx512, x86, neon or auto)
endif

# Per-target baseline. Never -march=native: binaries must run on the whole class.
#   x86-64: x86-64-v2 (SSE4.2, POPCNT); AVX2/AVX-512 only inside their port files.
#   armv7:  ARMv7-A with NEON and hard float (Raspberry Pi 2 and later, 32-bit OS).
#   aarch64, riscv64: the compiler's default (ARMv8-A / RV64GC).
ARCH_CFLAGS =
ifeq ($(ARCH),x86_64)
  ARCH_CFLAGS = -march=x86-64-v2
endif
ifneq ($(filter arm%,$(ARCH)),)
  ARCH_CFLAGS = -march=armv7-a -mfpu=neon -mfloat-abi=hard
endif

BUILD  := build/$(TARGET)-$(PORT)$(if $(and $(filter neon,$(PORT)),$(filter 1,$(NEON_DOTPROD))),-dotprod)$(if $(filter 1,$(STATIC)),-static)$(if $(filter 0,$(THREADS)),-nothreads)$(if $(filter 1,$(SAN)),-san)

WARN    = -std=c99 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  = $(WARN) $(OPT) -g $(ARCH_CFLAGS) -MMD -MP -Isrc -Iport \
          -D_FILE_OFFSET_BITS=64 -DCLK_THREADS=$(THREADS) -DCLK_PORT_NAME=$(PORT) -DCLK_TARGET=\"$(TARGET)\" -DCLK_BUILD_FLAGS="$(subst $(space),_,$(strip $(OPT) $(ARCH_CFLAGS) $(PORT_FLAGS)$(if $(filter 1,$(STATIC)), -static)))"
LDFLAGS =
LDLIBS  = -lm
empty :=
space := $(empty) $(empty)

ifeq ($(THREADS),1)
  CFLAGS  += -pthread
  LDFLAGS += -pthread
endif
ifeq ($(STATIC),1)
  LDFLAGS += -static
endif
ifeq ($(SAN),1)
  CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
  LDFLAGS += -fsanitize=address,undefined
endif
CFLAGS  += $(EXTRA_CFLAGS)
LDFLAGS += $(EXTRA_LDFLAGS)

# ------------------------------------------------------------------ sources
LIB_SRC  := $(filter-out src/main.c,$(wildcard src/*.c))
PORT_SRC := port/ref.c port/sys_posix.c
AVX2_FLAGS   = -mavx2 -mfma -mf16c
AVX512_FLAGS = $(AVX2_FLAGS) -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512vnni
# (PORT_FLAGS: what `clika info` reports as the port file's ISA flags; each
#  x86 port file gets its own set below, so PORT=x86 can build both)
ifeq ($(PORT),avx2)
  PORT_SRC  += port/x86_avx2.c
  PORT_FLAGS = $(AVX2_FLAGS)
endif
ifeq ($(PORT),avx512)
  PORT_SRC  += port/x86_avx512.c
  PORT_FLAGS = $(AVX512_FLAGS)
endif
ifeq ($(PORT),x86)
  PORT_SRC  += port/x86_avx2.c port/x86_avx512.c port/x86_dispatch.c
endif
ifeq ($(PORT),neon)
  PORT_SRC  += port/arm_neon.c
  ifeq ($(NEON_DOTPROD),1)
    ifneq ($(ARCH),aarch64)
      $(error NEON_DOTPROD=1 needs an AArch64 target (CROSS=aarch64-linux-gnu-))
    endif
    PORT_FLAGS = -march=armv8.2-a+dotprod
  endif
endif

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(PORT_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o
TEST_SRC := $(wildcard tests/test_*.c)
# TEST_ONLY="port forward": make test runs only tests/test_port.c and test_forward.c
TEST_ONLY =
TESTS    := $(if $(strip $(TEST_ONLY)),$(TEST_ONLY:%=$(BUILD)/tests/test_%),$(TEST_SRC:tests/%.c=$(BUILD)/tests/%))
TOOL_SRC := $(wildcard tools/*.c)
TOOLS    := $(TOOL_SRC:tools/%.c=$(BUILD)/tools/%)

.PHONY: all clean test tools help echo FORCE
all: $(BUILD)/clika
ifeq ($(CROSS),)
all: clika
clika: $(BUILD)/clika
	cp $< $@
endif

# The library: every stage and the port, as an archive so that a test links
# only the objects it uses.
LIB := $(BUILD)/libclika.a
AR  := $(CROSS)ar
$(LIB): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/clika: $(MAIN_OBJ) $(LIB)
	$(XCC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# $(BUILD)/flags holds the compile and link commands; it changes (and so
# everything rebuilds) only when a setting does.
FLAGS_TEXT := $(XCC) $(CFLAGS) $(PORT_FLAGS) | $(LDFLAGS) $(LDLIBS)
$(BUILD)/flags: FORCE
	@mkdir -p $(dir $@)
	@if [ "$$(cat $@ 2>/dev/null)" != '$(FLAGS_TEXT)' ]; then echo '$(FLAGS_TEXT)' >$@; fi
$(LIB_OBJ) $(MAIN_OBJ) $(TESTS) $(TOOLS): $(BUILD)/flags

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(XCC) $(CFLAGS) -c -o $@ $<

# ISA flags only for the port file of that ISA
$(BUILD)/port/x86_avx2.o: CFLAGS += $(AVX2_FLAGS)
$(BUILD)/port/x86_avx512.o: CFLAGS += $(AVX512_FLAGS)
$(BUILD)/port/arm_%.o: CFLAGS += $(PORT_FLAGS)

$(BUILD)/tests/%: tests/%.c $(LIB) tests/test.h
	@mkdir -p $(dir $@)
	$(XCC) $(CFLAGS) -Itests -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

$(BUILD)/tools/%: tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(XCC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

tools: $(TOOLS)

# Every test executable runs from the repository root; tests/run.sh prints each
# result and ends with the line "N passed, M failed".
# With RUN set (an emulator), the tests that start clika through the shell get
# a wrapper script in the same directory that runs it under $(RUN).
CLK_BIN := $(if $(strip $(RUN)),$(BUILD)/clika-run,$(BUILD)/clika)
test: $(TESTS) $(CLK_BIN)
	@CLK_BIN=$(CLK_BIN) sh tests/run.sh "$(RUN)" $(TESTS)

$(BUILD)/clika-run: $(BUILD)/clika FORCE
	printf '#!/bin/sh\nexec %s "%s" "$$@"\n' '$(RUN)' '$(CURDIR)/$<' >$@
	chmod +x $@

# ================= fuzzing and allocation checks (gguf branch) =================
# make fuzz [FUZZ_SECONDS=60]   libFuzzer (clang) on the GGUF reader and the
#                               model stage; seeds written by tools/gguf_seeds;
#                               a crash, sanitizer report or hang fails.
# make check-alloc              (1) nm: no src/ or port/ object (main.o aside)
#                               references the allocator or fopen/getline;
#                               (2) every test, run against src/ and port/
#                               objects whose allocator calls go to a guard
#                               that fails them (tests/alloc_guard.c).
FUZZ_SECONDS = 60
FUZZ_CC      = clang
FUZZ_DIR     = build/fuzz
FUZZ_SRC     = tests/fuzz_gguf.c $(LIB_SRC) port/ref.c port/sys_posix.c
$(FUZZ_DIR)/fuzz_gguf: $(FUZZ_SRC) $(wildcard src/*.h) port/port.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -Isrc -Iport -pthread -o $@ $(FUZZ_SRC) -lm

fuzz: $(FUZZ_DIR)/fuzz_gguf $(BUILD)/tools/gguf_seeds
	rm -rf $(FUZZ_DIR)/seeds && mkdir -p $(FUZZ_DIR)/seeds $(FUZZ_DIR)/corpus
	$(BUILD)/tools/gguf_seeds $(FUZZ_DIR)/seeds
	$(FUZZ_DIR)/fuzz_gguf -max_total_time=$(FUZZ_SECONDS) -timeout=10 -dict=tests/fuzz_gguf.dict \
	    -artifact_prefix=$(FUZZ_DIR)/ -print_final_stats=1 $(FUZZ_DIR)/corpus $(FUZZ_DIR)/seeds

NM         = $(CROSS)nm
OBJCOPY    = $(CROSS)objcopy
ALLOC_SYMS = malloc calloc realloc free strdup strndup aligned_alloc posix_memalign fopen getline
GUARD      := $(BUILD)/guard
GUARD_OBJ  := $(LIB_OBJ:$(BUILD)/%=$(GUARD)/%)
GUARD_LIB  := $(GUARD)/libclika.a
GUARD_TESTS := $(TEST_SRC:tests/%.c=$(GUARD)/tests/%)

$(GUARD)/%.o: $(BUILD)/%.o
	@mkdir -p $(dir $@)
	$(OBJCOPY) $(foreach s,$(ALLOC_SYMS),--redefine-sym $(s)=clk_guard_$(s)) $< $@
$(GUARD_LIB): $(GUARD_OBJ)
	rm -f $@
	$(AR) rcs $@ $^
$(GUARD)/alloc_guard.o: tests/alloc_guard.c
	@mkdir -p $(dir $@)
	$(XCC) $(CFLAGS) -c -o $@ $<
$(GUARD)/tests/%: tests/%.c $(GUARD_LIB) $(GUARD)/alloc_guard.o tests/test.h
	@mkdir -p $(dir $@)
	$(XCC) $(CFLAGS) -Itests -o $@ $< $(GUARD)/alloc_guard.o $(GUARD_LIB) $(LDFLAGS) $(LDLIBS)
$(GUARD)/clika: $(MAIN_OBJ) $(GUARD_LIB) $(GUARD)/alloc_guard.o
	$(XCC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

check-alloc: $(LIB_OBJ) $(GUARD_TESTS) $(GUARD)/clika
	@bad=0; for o in $(LIB_OBJ); do \
	    u=$$($(NM) -u $$o | awk '{print $$NF}' | sed 's/@.*//' | grep -xE '$(subst $(space),|,$(ALLOC_SYMS))' | tr '\n' ' '); \
	    if [ -n "$$u" ]; then echo "check-alloc: $$o references $$u"; bad=1; fi; \
	done; \
	if [ $$bad -ne 0 ]; then echo "check-alloc: FAIL (src/ and port/ must not allocate)"; exit 1; fi; \
	echo "check-alloc: nm: no object of src/ or port/ (main.o aside) references $(ALLOC_SYMS)"
	@CLK_BIN=$(GUARD)/clika sh tests/run.sh "$(RUN)" $(GUARD_TESTS)

.PHONY: fuzz check-alloc
# ============================ end (gguf branch) ================================

# ======================= tokenizer fuzzing (tok branch) ========================
# make fuzz also runs tests/fuzz_tokenizer.c (texts on hand-built vocabularies,
# and whole GGUF inputs) for FUZZ_SECONDS, before the GGUF reader's run.
$(FUZZ_DIR)/fuzz_tokenizer: tests/fuzz_tokenizer.c tests/tok_vocab.h $(LIB_SRC) port/ref.c port/sys_posix.c $(wildcard src/*.h) port/port.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -Isrc -Iport -Itests -pthread -o $@ tests/fuzz_tokenizer.c $(LIB_SRC) port/ref.c port/sys_posix.c -lm
fuzz-tokenizer: $(FUZZ_DIR)/fuzz_tokenizer
	mkdir -p $(FUZZ_DIR)/corpus-tok
	$(FUZZ_DIR)/fuzz_tokenizer -max_total_time=$(FUZZ_SECONDS) -timeout=10 -max_len=4096 \
	    -dict=tests/fuzz_tokenizer.dict -artifact_prefix=$(FUZZ_DIR)/tok- -print_final_stats=1 $(FUZZ_DIR)/corpus-tok
fuzz: fuzz-tokenizer
.PHONY: fuzz-tokenizer
# ================================ end (tok branch) =============================

# ============================ cross builds under qemu-user (arm branch) ============================
# make check-cross    every cross target built in its own build/<triple>-<port>/ and
#                     its whole test suite run under qemu-user with the Debian cross
#                     sysroot, in quick mode (CLK_TEST_QUICK=1: every golden, fewer
#                     repeats; see tests/test.h). With make -j2 two targets run at once.
#                     Logs: build/check-cross-<name>.log.
#                     The AArch64 dot-product tier (NEON_DOTPROD=1, qemu -cpu max)
#                     runs the kernel tests and the goldens only (test_port, test_forward).
# Each entry: name:prefix:port:qemu (the sysroot is /usr/<triple>).
# (the slowest first, so that make -j2 keeps both cores busy to the end)
CROSS_TARGETS = riscv64:riscv64-linux-gnu-:ref:qemu-riscv64 \
                aarch64:aarch64-linux-gnu-:neon:qemu-aarch64 \
                armv7:arm-linux-gnueabihf-:neon:qemu-arm
CROSS_NAMES  := $(foreach t,$(CROSS_TARGETS),$(word 1,$(subst :, ,$(t))))
.PHONY: check-cross check-cross-dotprod $(CROSS_NAMES:%=check-cross-%) test-build print-build print-tests
check-cross: $(CROSS_NAMES:%=check-cross-%) check-cross-dotprod
	@echo "check-cross: $(CROSS_NAMES) dotprod all passed"
$(CROSS_NAMES:%=check-cross-%): check-cross-%:
	@MAKE="$(MAKE)" sh tools/check-cross.sh $(subst :, ,$(filter $*:%,$(CROSS_TARGETS))) OPT="$(OPT)"
check-cross-dotprod:
	@MAKE="$(MAKE)" sh tools/check-cross.sh dotprod aarch64-linux-gnu- neon "qemu-aarch64 -cpu max" \
	    NEON_DOTPROD=1 TEST_ONLY="port forward" OPT="$(OPT)"
# for tools/check-cross.sh: build every test without running it; name the build
# directory and the test executables
test-build: $(TESTS) $(CLK_BIN)
print-build:
	@echo $(BUILD)
print-tests:
	@echo $(TESTS)

# make check-static   builds the static binaries - musl (CC=musl-gcc STATIC=1) and
#                     glibc (STATIC=1) - and runs each in an empty directory with a
#                     tiny model and the x_geo fixture (tools/check-static.sh:
#                     clika info, and clika eval where the binary has it).
# STATIC_MODEL: ../shared's stories260k-q8_0 when present, else make default-model's.
STATIC_CCS   = musl-gcc cc
STATIC_MODEL = $(firstword $(wildcard ../shared/models/stories260k-q8_0.gguf) $(DEFAULT_MODEL))
.PHONY: check-static check-static-one
check-static:
	@for c in $(STATIC_CCS); do \
	    $(MAKE) --no-print-directory CC=$$c STATIC=1 PORT=$(PORT) check-static-one || exit 1; \
	done
check-static-one: $(BUILD)/clika $(STATIC_MODEL)
	sh tools/check-static.sh $(BUILD)/clika $(STATIC_MODEL) fixtures/clika-mini

# make check-baseline (x86-64): disassembles every object of this build except the
#                     ISA port files (port/x86_*.o) and fails on any instruction
#                     beyond x86-64-v2: AVX/AVX2/AVX-512/FMA/F16C (VEX/EVEX 'v'
#                     mnemonics, ymm/zmm/k registers), BMI1/BMI2, LZCNT, MOVBE.
#                     (TZCNT is not flagged: GCC emits it as 'rep bsf', which
#                     runs as BSF on older CPUs.) With the default PORT=ref this
#                     is the whole program: the default build runs on any x86-64-v2.
OBJDUMP = $(CROSS)objdump
BEYOND_V2 = ^v[a-z0-9]+$$|^(andn|bextr|blsi|blsmsk|blsr|bzhi|mulx|pdep|pext|rorx|sarx|shlx|shrx|lzcnt|movbe)$$
.PHONY: check-baseline
check-baseline: $(LIB_OBJ) $(MAIN_OBJ)
	@[ "$(ARCH)" = x86_64 ] || { echo "check-baseline: x86-64 only (this build: $(ARCH))"; exit 1; }
	@bad=0; n=0; for o in $(filter-out $(BUILD)/port/x86_%,$(LIB_OBJ) $(MAIN_OBJ)); do \
	    n=$$((n + 1)); \
	    hits=$$($(OBJDUMP) -d --no-show-raw-insn $$o | awk -F'\t' 'NF >= 2 { split($$2, w, " "); m = w[1]; \
	        if (m ~ /$(BEYOND_V2)/ || $$2 ~ /%[yz]mm|%k[0-7]/) print m }' | sort | uniq -c | tr '\n' ' '); \
	    if [ -n "$$hits" ]; then echo "check-baseline: $$o: $$hits"; bad=1; fi; \
	done; \
	if [ $$bad -ne 0 ]; then echo "check-baseline: FAIL (instructions beyond x86-64-v2 outside port/x86_*)"; exit 1; fi; \
	echo "check-baseline: $$n objects of $(BUILD) (port/x86_* aside): nothing beyond x86-64-v2"
# ================================== end (arm branch) ==================================

echo:
	@echo "CC=$(XCC) TARGET=$(TARGET) ARCH=$(ARCH) PORT=$(PORT) STATIC=$(STATIC) THREADS=$(THREADS) BUILD=$(BUILD)"
	@echo "CFLAGS=$(CFLAGS)"
	@echo "LDFLAGS=$(LDFLAGS) $(LDLIBS)"

help:
	@sed -n '1,/^# =====.*settings/p' Makefile | sed '$$d'
	@echo "Settings (current): CC=$(CC) CROSS=$(CROSS) PORT=$(PORT) STATIC=$(STATIC) THREADS=$(THREADS) SAN=$(SAN)"

# ---------------------------------------- generated models (issue 5, branch quant)
# Random-weight models written by tools/make_model (see the top of that file).
#   make default-model   build/models/default.gguf: clika's embedded default model
#                        (qwen2, vocabulary learned from fixtures/clika-mini, Q8_0)
#   make bench-models    build/bench/qwen2.5-0.5b-{q8_0,q4_0,q4_k_m}.gguf: the
#                        Qwen2.5-0.5B shape; tokenizer from BENCH_VOCAB when that
#                        file exists, else learned from fixtures/clika-mini and
#                        padded to Qwen's 151936 tokens (the same tensor shapes)
MODEL_THREADS ?= 2
BENCH_VOCAB   ?= ../shared/vocab/ggml-vocab-qwen2.gguf
MAKE_MODEL    := $(BUILD)/tools/make_model
DEFAULT_MODEL := build/models/default.gguf
BENCH_MODELS  := $(foreach t,q8_0 q4_0 q4_k_m,build/bench/qwen2.5-0.5b-$(t).gguf)
CORPUS        := $(wildcard fixtures/clika-mini/*/*.json* fixtures/clika-mini/*/*/*.json* fixtures/clika-mini/*/*/*/*.json*)
.PHONY: default-model bench-models
default-model: $(DEFAULT_MODEL)
bench-models: $(BENCH_MODELS)
$(DEFAULT_MODEL): $(MAKE_MODEL) $(CORPUS)
	@mkdir -p $(dir $@)
	$(RUN) $(MAKE_MODEL) --preset default --bpe-corpus fixtures/clika-mini --threads $(MODEL_THREADS) --out $@
build/bench/qwen2.5-0.5b-%.gguf: $(MAKE_MODEL)
	@mkdir -p $(dir $@)
	$(RUN) $(MAKE_MODEL) --preset qwen2.5-0.5b $(if $(wildcard $(BENCH_VOCAB)),--vocab $(BENCH_VOCAB)) --type $* --threads $(MODEL_THREADS) --out $@
# ------------------------------------------------ end of generated models

# ------------------------------------------------ clika eval (issue 7, branch eval)
# tests/test_eval.c runs clika eval on fixtures/clika-mini with the default model.
$(BUILD)/tests/test_eval: | $(DEFAULT_MODEL)
# make demo: the README's main command (under a minute on one core)
.PHONY: demo
demo: all $(DEFAULT_MODEL)
	$(RUN) $(BUILD)/clika eval $(DEFAULT_MODEL) --data fixtures/clika-mini --out build/demo
# ------------------------------------------------ end of clika eval

clean:
	rm -rf build clika

-include $(wildcard $(BUILD)/*/*.d)

# make check-layers: src/ files include only their own or earlier pipeline stages
.PHONY: check-layers
check-layers:
	@sh tools/check-layers.sh

# a prerequisite that is never up to date (for targets that check themselves)
FORCE:
