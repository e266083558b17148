# mk/bench.mk: the peer clients of `make bench` (bench/peers/*.c) link the
# Debian client libraries of Mosquitto and NATS, installed by
# scripts/bench-deps.sh; bench.sh builds them with `make bench-peers` and
# reports "not measured" for a row whose client did not build. The
# LD_PRELOAD shim bench/preload/whatif.c measures two proposed fixes.
.PHONY: bench-peers bench-deps
bench: bench-deps
bench-deps:
	@scripts/bench-deps.sh
bench-peers: $(BUILD)/bench/whatif.so $(BUILD)/bench/peers/bench_mqtt $(BUILD)/bench/peers/bench_nats
$(BUILD)/bench/peers/bench_mqtt: bench/peers/bench_mqtt.c
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS_BASE) -o $@ $< -lmosquitto -pthread
$(BUILD)/bench/peers/bench_nats: bench/peers/bench_nats.c
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS_BASE) -o $@ $< -lnats -pthread
$(BUILD)/bench/whatif.so: bench/preload/whatif.c
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) -O2 -Wall -Wextra -Werror -shared -fPIC -o $@ $< -ldl -lsqlite3
