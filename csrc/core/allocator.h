// Size-bucketed caching allocator for CPU memory.
//
// Training allocates the same sizes every step; returning them to the OS and
// taking them back costs page faults (tens of microseconds per MiB). Freed
// blocks are kept in per-size free lists and handed out again. Every block is
// 64-byte aligned (one cache line, one AVX-512 register).
//
// Sizes are rounded up to a bucket: powers of two up to 4 KiB, then eight
// buckets per power of two (at most 12.5% waste). The cache holds at most
// `cache_limit` bytes; beyond that freed blocks go straight back to the OS.
#pragma once
#include <cstddef>
#include <cstdint>

namespace pdg {

struct AllocatorStats {
    int64_t allocated_bytes;   // live blocks handed out (bucket sizes)
    int64_t cached_bytes;      // free blocks kept for reuse
    int64_t peak_allocated_bytes;
    int64_t num_allocs;        // calls to cpu_alloc
    int64_t num_cache_hits;    // served from the cache
};

size_t cpu_bucket_size(size_t nbytes);
// Returns a 64-byte aligned block of at least nbytes; *bucket receives the
// block's real size, which must be passed back to cpu_free.
void* cpu_alloc(size_t nbytes, size_t* bucket);
void cpu_free(void* ptr, size_t bucket);
void cpu_empty_cache();
AllocatorStats cpu_allocator_stats();
void cpu_set_cache_limit(int64_t bytes);

}  // namespace pdg
