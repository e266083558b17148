# mk/console.mk: the web console's files (web/*) embedded into hotlined
# (included by the Makefile). mk/console-assets.sh turns them into
# build/gen/console_assets.c; its object is linked into hotlined directly
# (src/console.c refers to the table weakly, so other programs that link
# libhotline.a, like the unit tests and fuzzers, do without it).
#
#   make screenshots   docs/screenshots/*.png from a small federation
# (web/SOURCE.md, the vendored map data's origin and licence, is not served)
CONSOLE_WEB = $(sort $(wildcard web/*.html web/*.css web/*.js web/*.json web/*.svg web/*.png web/*.ico))
CONSOLE_GEN = $(BUILD)/gen/console_assets.c
CONSOLE_OBJ = $(BUILD)/obj/console_assets.o

$(CONSOLE_GEN): $(CONSOLE_WEB) mk/console-assets.sh
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@sh mk/console-assets.sh $@ $(CONSOLE_WEB)

$(CONSOLE_OBJ): $(CONSOLE_GEN) src/console.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/hotlined: $(CONSOLE_OBJ)

.PHONY: screenshots
screenshots: all
	scripts/install-deps.sh
	HOTLINE_SCREENSHOTS=1 bash tests/integration/70-console.sh
