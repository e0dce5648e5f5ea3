// Threading: one OpenMP team sized by pdg.set_num_threads(). Kernels split
// work with parallel_for and only go parallel above a grain size, since a
// fork/join costs about a microsecond.
#pragma once
#include <algorithm>
#include <atomic>
#include <exception>
#include <cstdint>
#ifdef PDG_WITH_OPENMP
#include <omp.h>
#endif

namespace pdg {

int get_num_threads();
void set_num_threads(int n);
bool openmp_enabled();

// Elements of elementwise work below which a kernel stays on one thread.
constexpr int64_t kElementwiseGrain = 32768;

// Calls f(begin, end) on contiguous chunks of [0, n), in parallel when
// n >= grain. Chunks are fixed by n and the thread count, so results that
// depend on chunking (none should) are reproducible.
template <class F>
void parallel_for(int64_t n, int64_t grain, const F& f) {
    if (n <= 0) return;
#ifdef PDG_WITH_OPENMP
    const int nt = get_num_threads();
    if (nt > 1 && n >= grain && !omp_in_parallel()) {
        const int64_t nchunks = std::min<int64_t>(nt, (n + grain - 1) / std::max<int64_t>(grain, 1));
        if (nchunks > 1) {
            // An exception may not leave an OpenMP region (that calls std::terminate
            // and kills the interpreter): keep the first one and rethrow it after.
            std::exception_ptr error = nullptr;
            std::atomic<bool> failed{false};
#pragma omp parallel num_threads(int(nchunks))
            {
                const int64_t t = omp_get_thread_num();
                const int64_t per = (n + nchunks - 1) / nchunks;
                const int64_t b = t * per, e = std::min(n, b + per);
                if (b < e) {
                    try {
                        f(b, e);
                    } catch (...) {
                        if (!failed.exchange(true)) error = std::current_exception();
                    }
                }
            }
            if (error) std::rethrow_exception(error);
            return;
        }
    }
#endif
    f(int64_t(0), n);
}

}  // namespace pdg
