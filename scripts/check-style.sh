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
[ "$bad" = 0 ] && echo "check-style: ok"
exit "$bad"
