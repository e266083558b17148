/* clock.h: the two clocks every layer reads. Wall time for what is stored,
 * signed or shown (receipts, audit entries, expiry); the monotonic clock for
 * durations (round trips, timings), which never jumps with the wall clock. */
#ifndef HL_CLOCK_H
#define HL_CLOCK_H

#include <stdint.h>

/* Wall clock (CLOCK_REALTIME), milliseconds since the epoch. */
uint64_t hl_now_ms(void);
/* The same in microseconds (STIX times, date_added, bench taps). */
uint64_t hl_now_us(void);
/* Monotonic clock (CLOCK_MONOTONIC), microseconds since an arbitrary start. */
uint64_t hl_mono_us(void);

#endif
