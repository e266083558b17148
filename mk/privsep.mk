# mk/privsep.mk: the key keeper's and network process's seccomp allow-lists
# (src/sandbox.c) need libseccomp (included by the Makefile).
LDLIBS += $(shell pkg-config --libs libseccomp 2>/dev/null || echo -lseccomp)
