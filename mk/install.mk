# mk/install.mk: make install / make uninstall (included by the Makefile).
#
#   make install [PREFIX=/usr/local] [DESTDIR=] [SYSTEMDUNITDIR=...]
#   make uninstall (same variables)
#
# Installs build/hotlined (sbin), build/hotline (bin), the man pages, the
# systemd units and the documentation. It creates no user, no /etc/hotline
# and no keys: see docs/INSTALL.md. The units in dist/ name /usr/sbin/hotlined;
# the installed copies name $(SBINDIR)/hotlined.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/hotline
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL ?= install

INSTALL_MAN1 = man/hotline.1
INSTALL_MAN5 = man/hotline.conf.5
INSTALL_MAN8 = man/hotlined.8
INSTALL_UNITS = dist/hotlined.service dist/hotlined@.service
INSTALL_DOCS = README.md LICENSE $(wildcard docs/*.md)
INSTALL_UNIT_OUT = $(INSTALL_UNITS:dist/%=$(BUILD)/dist/%)

.PHONY: install uninstall

# The units with the installed path of hotlined (rebuilt when SBINDIR changes
# because the rule always runs: it is cheap and install is rare).
.PHONY: install-units-gen
install-units-gen: $(INSTALL_UNITS)
	@mkdir -p $(BUILD)/dist
	@for u in $(INSTALL_UNITS); do \
		sed -e 's#/usr/sbin/hotlined#$(SBINDIR)/hotlined#g' "$$u" >"$(BUILD)/$$u" || exit 1; \
	done

install: $(BUILD)/hotlined $(BUILD)/hotline install-units-gen
	$(INSTALL) -d -m 0755 "$(DESTDIR)$(SBINDIR)" "$(DESTDIR)$(BINDIR)" \
		"$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(MANDIR)/man5" "$(DESTDIR)$(MANDIR)/man8" \
		"$(DESTDIR)$(SYSTEMDUNITDIR)" "$(DESTDIR)$(DOCDIR)"
	$(INSTALL) -m 0755 $(BUILD)/hotlined "$(DESTDIR)$(SBINDIR)/hotlined"
	$(INSTALL) -m 0755 $(BUILD)/hotline "$(DESTDIR)$(BINDIR)/hotline"
	$(INSTALL) -m 0644 $(INSTALL_MAN1) "$(DESTDIR)$(MANDIR)/man1/"
	$(INSTALL) -m 0644 $(INSTALL_MAN5) "$(DESTDIR)$(MANDIR)/man5/"
	$(INSTALL) -m 0644 $(INSTALL_MAN8) "$(DESTDIR)$(MANDIR)/man8/"
	$(INSTALL) -m 0644 $(INSTALL_UNIT_OUT) "$(DESTDIR)$(SYSTEMDUNITDIR)/"
	$(INSTALL) -m 0644 $(INSTALL_DOCS) "$(DESTDIR)$(DOCDIR)/"

uninstall:
	rm -f "$(DESTDIR)$(SBINDIR)/hotlined" "$(DESTDIR)$(BINDIR)/hotline"
	rm -f $(patsubst man/%,"$(DESTDIR)$(MANDIR)/man1/%",$(INSTALL_MAN1)) \
		$(patsubst man/%,"$(DESTDIR)$(MANDIR)/man5/%",$(INSTALL_MAN5)) \
		$(patsubst man/%,"$(DESTDIR)$(MANDIR)/man8/%",$(INSTALL_MAN8))
	rm -f $(patsubst dist/%,"$(DESTDIR)$(SYSTEMDUNITDIR)/%",$(INSTALL_UNITS))
	rm -f $(patsubst %,"$(DESTDIR)$(DOCDIR)/%",$(notdir $(INSTALL_DOCS)))
	-rmdir "$(DESTDIR)$(DOCDIR)" 2>/dev/null
