# hotline: build, test, demo. See README.md.
#   make            build hotlined, hotline and the unit tests
#   make test       install test dependencies, build, run the whole suite
#   make demo       install dependencies, build, run the four-partner demo
#   make fuzz       short bounded libFuzzer run of every fuzz target
#   make SANITIZER=address,undefined test   the suite under sanitizers

CC ?= cc
BUILD ?= build
PKGS = libssl libcrypto libevent libevent_openssl libevent_pthreads sqlite3 jansson inih
WERROR ?= -Werror
SANITIZER ?=

# Warnings shared by every build of the sources (gcc and clang, the fuzz
# targets too: scripts/fuzz.sh reads WARN_FLAGS from here).
WARN_FLAGS = -Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion -Wformat=2 \
	-Wstrict-prototypes -Wmissing-prototypes
# gcc's -Wformat-truncation flags bounded snprintf calls whose truncation is
# checked or intended; clang has no such warning (and rejects the option).
ifeq ($(findstring clang,$(shell $(CC) --version 2>/dev/null | head -1)),)
WARN_FLAGS += -Wno-format-truncation
endif
CFLAGS_BASE = -std=c11 -D_GNU_SOURCE -O2 -g $(WARN_FLAGS) \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE $(WERROR) -iquote src -MMD -MP
LDFLAGS_BASE = -pie -Wl,-z,relro,-z,now
ifneq ($(SANITIZER),)
CFLAGS_BASE += -fsanitize=$(SANITIZER) -fno-sanitize-recover=all -fno-omit-frame-pointer -U_FORTIFY_SOURCE
LDFLAGS_BASE += -fsanitize=$(SANITIZER)
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS += $(CFLAGS_BASE) $(PKG_CFLAGS)
LDLIBS += $(PKG_LIBS) -lm -pthread

MAINS = src/hotlined.c src/hotline.c
LIB_SRCS = $(filter-out $(MAINS),$(wildcard src/*.c))
LIB_OBJS = $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
TEST_SRCS = $(wildcard tests/unit/test_*.c)
TEST_BINS = $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRCS = $(wildcard tests/tools/*.c)
TOOL_BINS = $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%)
BENCH_SRCS = $(wildcard bench/*.c)
BENCH_BINS = $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps test unit integration demo fuzz bench clean check-style check-layers print-warn-flags
all: $(BUILD)/hotlined $(BUILD)/hotline $(TEST_BINS) $(TOOL_BINS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libhotline.a: $(LIB_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BUILD)/hotlined: $(BUILD)/obj/hotlined.o $(BUILD)/libhotline.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS_BASE) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/hotline: $(BUILD)/obj/hotline.o $(BUILD)/libhotline.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS_BASE) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libhotline.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS_BASE) -o $@ $< $(BUILD)/libhotline.a $(LDLIBS) -lcmocka

$(BUILD)/tests/%: tests/tools/%.c $(BUILD)/libhotline.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS_BASE) -o $@ $< $(BUILD)/libhotline.a $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libhotline.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS_BASE) -o $@ $< $(BUILD)/libhotline.a $(LDLIBS)

deps:
	@scripts/install-deps.sh

# The whole suite: the style check, a clang build of everything with warnings
# as errors (the suite itself runs the default compiler's build), the layering
# check, unit tests (cmocka), then integration scenarios.
test: deps
	$(MAKE) check-style
	$(MAKE) CC=clang BUILD=$(BUILD)-clang all
	$(MAKE) all
	$(MAKE) check-layers
	scripts/run-tests.sh $(BUILD)

unit: all
	scripts/run-tests.sh $(BUILD) unit

integration: all
	scripts/run-tests.sh $(BUILD) integration

demo: deps
	$(MAKE) all
	scripts/demo.sh $(BUILD)

fuzz: deps
	scripts/fuzz.sh $(or $(FUZZ_SECONDS),20)

bench: deps
	$(MAKE) all $(BENCH_BINS)
	scripts/bench.sh $(BUILD)

-include $(wildcard mk/*.mk)
# Header dependencies written by -MMD -MP beside each object and program.
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

check-style:
	scripts/check-style.sh

# No call or include cycle among src/ modules beyond scripts/layers-allow.txt,
# no daemon code in `hotline`, no mutable globals outside alloc.c beyond the
# allow-list; then the self-test: each of those planted in a copy must fail.
check-layers: all
	scripts/check-layers.sh $(BUILD)
	scripts/check-layers.sh --self-test $(BUILD)

# the warning flags for this compiler, for scripts/fuzz.sh
print-warn-flags:
	@echo $(WARN_FLAGS) $(WERROR)

clean:
	rm -rf $(BUILD) $(BUILD)-clang build-fuzz

# Fuzz targets rebuilt without libFuzzer for replaying seeds and crashers in `make test`.
FUZZ_SRCS = $(filter-out fuzz/replay_main.c fuzz/gen_corpus.c,$(wildcard fuzz/*.c))
FUZZ_REPLAY_BINS = $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz-replay/%)
all: $(FUZZ_REPLAY_BINS)
# (the shared main is an object of its own, so that -MMD writes one dependency
# file per source)
$(BUILD)/fuzz-replay/replay_main.o: fuzz/replay_main.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<
$(BUILD)/fuzz-replay/%: fuzz/%.c $(BUILD)/fuzz-replay/replay_main.o $(BUILD)/libhotline.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -Wno-missing-prototypes -Wno-unused-result $(LDFLAGS_BASE) -o $@ $< $(BUILD)/fuzz-replay/replay_main.o $(BUILD)/libhotline.a $(LDLIBS)
