/* ct.h: constant-time validation under valgrind, for the lattice modules
 * (mlkem.c, mldsa.c). Their checkers (tests/tools/ct_*.c) mark secret
 * inputs undefined for memcheck, which then reports every branch and
 * memory address that depends on them. HL_DECLASSIFY(p, n) declares n bytes
 * at p public again: values FIPS 203/204 make public (rho) or let leak (a
 * rejection decision). It needs <valgrind/memcheck.h> at build time and is
 * a few no-op instructions outside valgrind (nothing without the header). */
#ifndef HL_CT_H
#define HL_CT_H

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define HL_DECLASSIFY(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#endif
#endif
#ifndef HL_DECLASSIFY
#define HL_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

#endif
