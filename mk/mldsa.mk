# mk/mldsa.mk: ML-DSA extras (included by the Makefile).
#
# build/tests/ct_mldsa_broken: tests/tools/ct_mldsa.c linked against a copy of
# src/mldsa.c compiled with -DHL_MLDSA_CT_BROKEN, which adds one branch on a
# secret coefficient of the mask y in the signing loop.
# tests/integration/11-mldsa-ct.sh requires valgrind to flag it, proving the
# constant-time check can see. The object given on the command line
# satisfies every hl_mldsa_* symbol, so the linker never pulls the good
# mldsa.o out of libhotline.a.
#
# build/tests/ct_mldsa_nodeclassify: same, with -DHL_MLDSA_CT_NO_DECLASSIFY,
# which drops the declassification of rho (the first 32 bytes of
# H(xi || k || l) in KeyGen, and of sk in Sign). Valgrind must then flag the
# matrix sampling: this shows the taint of xi survives OpenSSL's SHAKE256, so
# every hash-derived secret (rho', K, rho'', y, the challenge) is really
# checked.
MLDSA_CT_broken = -DHL_MLDSA_CT_BROKEN
MLDSA_CT_nodeclassify = -DHL_MLDSA_CT_NO_DECLASSIFY
# static pattern rules: only these targets (not the .d files -MMD writes
# beside them, which the Makefile includes)
MLDSA_CT_OBJS = $(BUILD)/obj/mldsa_ct_broken.o $(BUILD)/obj/mldsa_ct_nodeclassify.o
MLDSA_CT_BINS = $(BUILD)/tests/ct_mldsa_broken $(BUILD)/tests/ct_mldsa_nodeclassify

all: $(MLDSA_CT_BINS)

$(MLDSA_CT_OBJS): $(BUILD)/obj/mldsa_ct_%.o: src/mldsa.c $(wildcard src/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) $(MLDSA_CT_$*) -c -o $@ $<

$(MLDSA_CT_BINS): $(BUILD)/tests/ct_mldsa_%: tests/tools/ct_mldsa.c $(BUILD)/obj/mldsa_ct_%.o $(BUILD)/libhotline.a
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS_BASE) -o $@ $< $(BUILD)/obj/mldsa_ct_$*.o $(BUILD)/libhotline.a $(LDLIBS)

# The signer's NTT loops vectorise at -O3 (with the AVX2 clones of
# src/mldsa.c: about 1.45x faster signing here, docs/BENCHMARKS.md).
$(BUILD)/obj/mldsa.o $(MLDSA_CT_OBJS): CFLAGS += -O3
