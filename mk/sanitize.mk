# mk/sanitize.mk: the whole suite under AddressSanitizer (with LeakSanitizer)
# and UndefinedBehaviorSanitizer (included by the Makefile).
#
#   make test-sanitize     build everything into build-asan/ with
#                          SANITIZER=address,undefined, then run
#                          scripts/test-sanitize.sh (unit + integration);
#                          fails on any test failure or any sanitizer report.
#
# The sanitizer runtimes write their reports to files under
# build-asan/sanitizer-logs/ (log_path), so reports from node processes whose
# logs the integration scenarios discard are still seen.
#
#   make test-tsan         the same with ThreadSanitizer (build-tsan/): the
#                          node runs worker threads (crypto pool, store
#                          writer, checkpoints), so every scenario also runs
#                          under TSan. test-sanitize runs both.
SANITIZE_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan

.PHONY: test-sanitize test-asan test-tsan clean-sanitize
test-sanitize: test-asan test-tsan

test-asan: deps
	$(MAKE) BUILD=$(SANITIZE_BUILD) SANITIZER=address,undefined all
	scripts/test-sanitize.sh $(SANITIZE_BUILD)

test-tsan: deps
	$(MAKE) BUILD=$(TSAN_BUILD) SANITIZER=thread all
	scripts/test-sanitize.sh $(TSAN_BUILD)

clean-sanitize:
	rm -rf $(SANITIZE_BUILD) $(TSAN_BUILD)

clean: clean-sanitize

# Under ThreadSanitizer, the ML-DSA and SHA-3 arithmetic (pure functions on
# their caller's buffers: no shared state, no synchronisation) is left
# uninstrumented, like libcrypto: TSan made hybrid signing about 10x slower,
# and every node signs with it. Races on those buffers are still seen at
# the callers' accesses. ASan and UBSan keep instrumenting them.
ifeq ($(SANITIZER),thread)
$(BUILD)/obj/mldsa.o $(BUILD)/obj/sha3.o: CFLAGS += -fno-sanitize=thread
endif
