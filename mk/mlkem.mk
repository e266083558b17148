# mk/mlkem.mk: ML-KEM extras (included by the Makefile).
#
# build/tests/ct_mlkem_broken: tests/tools/ct_mlkem.c linked against a copy of
# src/mlkem.c compiled with -DHL_MLKEM_CT_BROKEN, which adds one branch on a
# secret coefficient in K-PKE.Decrypt. tests/integration/10-mlkem-ct.sh
# requires valgrind to flag it, proving the constant-time check can see.
# The object given on the command line satisfies every hl_mlkem_* symbol, so
# the linker never pulls the good mlkem.o out of libhotline.a.
#
# build/tests/ct_mlkem_nodeclassify: same, with -DHL_MLKEM_CT_NO_DECLASSIFY,
# which drops the one declassification (rho = first half of G(d || k)).
# Valgrind must then flag the matrix sampling in keygen: this shows the taint
# of d survives OpenSSL's SHA3-512, so every hash-derived secret (sigma, r, K)
# is really checked.
MLKEM_BROKEN_OBJ = $(BUILD)/obj/mlkem_ct_broken.o
MLKEM_BROKEN_BIN = $(BUILD)/tests/ct_mlkem_broken
MLKEM_NODECL_OBJ = $(BUILD)/obj/mlkem_ct_nodeclassify.o
MLKEM_NODECL_BIN = $(BUILD)/tests/ct_mlkem_nodeclassify

all: $(MLKEM_BROKEN_BIN) $(MLKEM_NODECL_BIN)

$(MLKEM_BROKEN_OBJ): src/mlkem.c $(wildcard src/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) -DHL_MLKEM_CT_BROKEN -c -o $@ $<

$(MLKEM_BROKEN_BIN): tests/tools/ct_mlkem.c $(MLKEM_BROKEN_OBJ) $(BUILD)/libhotline.a
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS_BASE) -o $@ $< $(MLKEM_BROKEN_OBJ) $(BUILD)/libhotline.a $(LDLIBS)

$(MLKEM_NODECL_OBJ): src/mlkem.c $(wildcard src/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) -DHL_MLKEM_CT_NO_DECLASSIFY -c -o $@ $<

$(MLKEM_NODECL_BIN): tests/tools/ct_mlkem.c $(MLKEM_NODECL_OBJ) $(BUILD)/libhotline.a
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS_BASE) -o $@ $< $(MLKEM_NODECL_OBJ) $(BUILD)/libhotline.a $(LDLIBS)
