# mk/soak.mk: `make soak` runs scripts/soak.sh, the fault scenario of
# tests/integration/50-faults.sh at larger scale (SOAK_MINUTES, SOAK_SEED,
# SOAK_SENDERS, SOAK_KILLS; see the script). Not part of `make test`.
.PHONY: soak
soak: deps
	$(MAKE) all
	scripts/soak.sh $(BUILD)
