#include "core/parallel.h"

#include <thread>

namespace pdg {
namespace {
int g_num_threads = 0;  // 0 = not yet decided
}

int get_num_threads() {
    if (g_num_threads <= 0) {
#ifdef PDG_WITH_OPENMP
        g_num_threads = omp_get_max_threads();
#else
        g_num_threads = 1;
#endif
        if (g_num_threads <= 0) g_num_threads = 1;
    }
    return g_num_threads;
}

void set_num_threads(int n) {
    if (n < 1) n = 1;
#ifndef PDG_WITH_OPENMP
    n = 1;
#endif
    g_num_threads = n;
}

bool openmp_enabled() {
#ifdef PDG_WITH_OPENMP
    return true;
#else
    return false;
#endif
}

}  // namespace pdg
