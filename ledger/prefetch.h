// PrefetchForRead: a hint to fetch the cache line holding an address ahead of
// a read, for the staged lookups of the in-memory states.
//
// Why not __builtin_prefetch: GCC 12 at -O2 (the release flags) deletes some
// as dead code. The event_id index's bucket prefetch, whose address is a
// loaded bucket start times the entry's width in bits, over eight, compiled
// to nothing, and each lookup at a 10 M store waited on its bucket (some
// 0.15 us an append). An asm volatile statement is never deleted.
#ifndef BANEN_LEDGER_PREFETCH_H_
#define BANEN_LEDGER_PREFETCH_H_

namespace banen {

// Never faults: `address` may be anywhere, mapped or not.
inline void PrefetchForRead(const void* address) {
#if defined(__x86_64__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(address)));
#else
  __builtin_prefetch(address);
#endif
}

}  // namespace banen

#endif  // BANEN_LEDGER_PREFETCH_H_
