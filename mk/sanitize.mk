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
SANITIZE_BUILD ?= build-asan

.PHONY: test-sanitize clean-sanitize
test-sanitize: deps
	$(MAKE) BUILD=$(SANITIZE_BUILD) SANITIZER=address,undefined all
	scripts/test-sanitize.sh $(SANITIZE_BUILD)

clean-sanitize:
	rm -rf $(SANITIZE_BUILD)

clean: clean-sanitize
