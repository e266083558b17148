#!/bin/sh
# Banned calls (style.md rule 38) and raw allocation outside alloc.c.
set -u
cd "$(dirname "$0")/.."
bad=0
if grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|sscanf|gets)\s*\(' src/*.c | grep -v '^\s*/\*'; then
	echo "check-style: banned function above" >&2
	bad=1
fi
if grep -nE '(^|[^_a-z])(malloc|calloc|realloc|free|strdup)\s*\(' src/*.c | grep -v '^src/alloc.c:' |
	grep -vE 'OPENSSL_free|hl_(malloc|calloc|realloc|free|strdup)|_free\(' ; then
	echo "check-style: raw allocation outside alloc.c above" >&2
	bad=1
fi
# The store owns SQL (docs/internals/store.md): SQLite only in its files, and
# the store below the services and the track codec (no include of theirs).
if grep -ln 'sqlite3' src/*.c src/*.h | grep -vE '^src/store(_[a-z]+)?\.c$|^src/store_int\.h$'; then
	echo "check-style: SQLite used outside the store's files above" >&2
	bad=1
fi
if grep -nE '#include "(track|stixdb|apijson|api|console|taxii|taxiipoll|node)\.h"' \
    src/store.c src/store_*.c src/store.h src/store_*.h; then
	echo "check-style: the store includes a header of a module above it" >&2
	bad=1
fi
if grep -n '#include "apijson.h"' src/track.c src/track.h; then
	echo "check-style: track includes apijson (it is below it)" >&2
	bad=1
fi
[ "$bad" = 0 ] && echo "check-style: ok"
exit "$bad"
