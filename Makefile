# clika - cross-lingual knowledge alignment, measured on the machines people have.
#
#   make                      build ./clika for this machine (portable defaults)
#   make test                 build and run every test; ends with "N passed, M failed"
#   make PORT=avx2            x86-64 with AVX2+FMA+F16C kernels (PORT=avx512: AVX-512+VNNI;
#                             PORT=x86: both, chosen at run time from the CPU)
#   make CROSS=aarch64-linux-gnu-      cross-compile (binary in build/<target>/)
#   make default-model        build/models/default.gguf, the embedded default model
#   make bench-models         Qwen2.5-0.5B-shaped random models in build/bench/
#   make help                 every target and setting
#
# ====================== settings: override on the command line =====================
CC      = cc
CROSS   =
# PORT: ref | avx2 | avx512 | x86 | neon | auto (auto: neon on ARM, ref elsewhere;
#       x86: avx2 and avx512 both built in, chosen at run time from the CPU)
PORT    = auto
# STATIC=1 links a static binary (glibc, or musl with CC=musl-gcc)
STATIC  = 0
# THREADS=0 builds without POSIX threads (--threads is then always 1)
THREADS = 1
OPT     = -O2
# SAN=1 builds with AddressSanitizer + UndefinedBehaviorSanitizer (separate build dir)
SAN     = 0
# RUN prefixes every test executable (e.g. RUN="qemu-aarch64 -L /usr/aarch64-linux-gnu")
RUN     =
# extra flags appended last
EXTRA_CFLAGS  =
EXTRA_LDFLAGS =
# ===================================================================================

# make's built-in CC is "cc"; a cross build wants the gcc of that prefix.
ifeq ($(origin CC),default)
  CC = cc
  ifneq ($(CROSS),)
    CC = gcc
  endif
endif
XCC     := $(CROSS)$(CC)
TARGET  := $(shell $(XCC) -dumpmachine 2>/dev/null)
ifeq ($(TARGET),)
  $(error cannot run '$(XCC) -dumpmachine': is the compiler installed?)
endif
ARCH    := $(firstword $(subst -, ,$(TARGET)))

ifeq ($(PORT),auto)
  ifneq ($(filter aarch64 arm%,$(ARCH)),)
    PORT := neon
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

BUILD  := build/$(TARGET)-$(PORT)$(if $(filter 1,$(STATIC)),-static)$(if $(filter 0,$(THREADS)),-nothreads)$(if $(filter 1,$(SAN)),-san)

WARN    = -std=c99 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  = $(WARN) $(OPT) -g $(ARCH_CFLAGS) -MMD -MP -Isrc -Iport \
          -DCLK_THREADS=$(THREADS) -DCLK_PORT_NAME=$(PORT) -DCLK_BUILD_FLAGS="$(subst $(space),_,$(strip $(OPT) $(ARCH_CFLAGS)))"
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
ifeq ($(PORT),avx2)
  PORT_SRC  += port/x86_avx2.c
endif
ifeq ($(PORT),avx512)
  PORT_SRC  += port/x86_avx512.c
endif
ifeq ($(PORT),x86)
  PORT_SRC  += port/x86_avx2.c port/x86_avx512.c port/x86_dispatch.c
endif
ifeq ($(PORT),neon)
  PORT_SRC  += port/arm_neon.c
endif

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(PORT_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o
TEST_SRC := $(wildcard tests/test_*.c)
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tools/*.c)
TOOLS    := $(TOOL_SRC:tools/%.c=$(BUILD)/tools/%)

.PHONY: all clean test tools help echo
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
test: $(TESTS) $(BUILD)/clika
	@CLK_BIN=$(BUILD)/clika sh tests/run.sh "$(RUN)" $(TESTS)

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

clean:
	rm -rf build clika

-include $(wildcard $(BUILD)/*/*.d)
