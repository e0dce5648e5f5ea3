#include "core/allocator.h"

#include "core/error.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace pdg {
namespace {

struct Cache {
    std::mutex mu;
    std::unordered_map<size_t, std::vector<void*>> free_lists;
    AllocatorStats stats{0, 0, 0, 0, 0};
    int64_t limit = int64_t(4) << 30;  // 4 GiB of cached free blocks at most
};

Cache& cache() {
    // Leaked on purpose: blocks may be freed during interpreter shutdown after
    // static destructors ran.
    static Cache* c = new Cache();
    return *c;
}

}  // namespace

// Under AddressSanitizer (tools/sanitize.sh) a block's slack past the bytes asked for, and
// a cached block as a whole, are poisoned: an overflow into the bucket's rounding or a use
// of a freed (cached) block is reported, not hidden by the cache.
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define PDG_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define PDG_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define PDG_POISON(p, n) ((void)(p), (void)(n))
#define PDG_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

static void* handed_out(void* p, size_t b, size_t nbytes) {
    PDG_UNPOISON(p, b);
    PDG_POISON(static_cast<char*>(p) + nbytes, b - nbytes);
    return p;
}

size_t cpu_bucket_size(size_t n) {
    if (n <= 64) return 64;
    size_t p = 64;
    while (p < n) p <<= 1;
    if (p <= 4096) return p;
    size_t step = p / 8;  // eight buckets between p/2 and p
    return (n + step - 1) / step * step;
}

void* cpu_alloc(size_t nbytes, size_t* bucket) {
    size_t b = cpu_bucket_size(nbytes);
    Cache& c = cache();
    {
        std::lock_guard<std::mutex> lock(c.mu);
        c.stats.num_allocs++;
        auto it = c.free_lists.find(b);
        if (it != c.free_lists.end() && !it->second.empty()) {
            void* p = it->second.back();
            it->second.pop_back();
            c.stats.num_cache_hits++;
            c.stats.cached_bytes -= int64_t(b);
            c.stats.allocated_bytes += int64_t(b);
            if (c.stats.allocated_bytes > c.stats.peak_allocated_bytes)
                c.stats.peak_allocated_bytes = c.stats.allocated_bytes;
            *bucket = b;
            return handed_out(p, b, nbytes);
        }
    }
    void* p = std::aligned_alloc(64, b);
    if (!p) {
        cpu_empty_cache();  // give cached blocks back and try once more
        p = std::aligned_alloc(64, b);
        if (!p) throw MemoryError(str("cpu allocator: cannot allocate ", b, " bytes"));
    }
    std::lock_guard<std::mutex> lock(c.mu);
    c.stats.allocated_bytes += int64_t(b);
    if (c.stats.allocated_bytes > c.stats.peak_allocated_bytes)
        c.stats.peak_allocated_bytes = c.stats.allocated_bytes;
    *bucket = b;
    return handed_out(p, b, nbytes);
}

void cpu_free(void* ptr, size_t bucket) {
    if (!ptr) return;
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    c.stats.allocated_bytes -= int64_t(bucket);
    if (c.stats.cached_bytes + int64_t(bucket) > c.limit) {
        PDG_UNPOISON(ptr, bucket);
        std::free(ptr);
        return;
    }
    PDG_POISON(ptr, bucket);  // cached: no one may touch it until it is handed out again
    c.free_lists[bucket].push_back(ptr);
    c.stats.cached_bytes += int64_t(bucket);
}

void cpu_empty_cache() {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    for (auto& kv : c.free_lists)
        for (void* p : kv.second) {
            PDG_UNPOISON(p, kv.first);
            std::free(p);
        }
    c.free_lists.clear();
    c.stats.cached_bytes = 0;
}

AllocatorStats cpu_allocator_stats() {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    return c.stats;
}

void cpu_set_cache_limit(int64_t bytes) {
    Cache& c = cache();
    {
        std::lock_guard<std::mutex> lock(c.mu);
        c.limit = bytes < 0 ? 0 : bytes;
    }
    if (cpu_allocator_stats().cached_bytes > bytes) cpu_empty_cache();
}

}  // namespace pdg
