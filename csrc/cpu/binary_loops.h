// Contiguous inner loops of the binary arithmetic ops, written once and compiled
// per instruction set (binary_avx2.cpp: AVX2; binary.cpp's own loops are the
// baseline). Everything sits in the including file's ISA namespace (PDG_ISA)
// with internal linkage, so differently-compiled copies never meet.
//   mode 0: o[i] = a[i] op b[i];  mode 1: b is one value;  mode 2: a is one value
#pragma once
#include <cstdint>

#ifndef PDG_ISA
#error "PDG_ISA is set by CMakeLists.txt for every source file"
#endif

namespace pdg::PDG_ISA {
namespace {

template <class T>
inline T max_nan(T x, T y) {  // NaN-propagating, written so it vectorizes as blends
    T r = x > y ? x : y;
    r = (x != x) ? x : r;
    return (y != y) ? y : r;
}
template <class T>
inline T min_nan(T x, T y) {
    T r = x < y ? x : y;
    r = (x != x) ? x : r;
    return (y != y) ? y : r;
}

template <class T, class F>
inline void contig_loop(T* __restrict o, const T* a, const T* b, int64_t n, int mode, F f) {
    if (mode == 0) {
        for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
    } else if (mode == 1) {
        const T bv = *b;
        for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], bv);
    } else {
        const T av = *a;
        for (int64_t i = 0; i < n; ++i) o[i] = f(av, b[i]);
    }
}

// op codes as BinaryOp: 0 add, 1 sub, 2 mul, 3 div, 5 maximum, 6 minimum.
template <class T>
inline bool binary_row(int op, T* o, const T* a, const T* b, int64_t n, int mode) {
    switch (op) {
        case 0: contig_loop(o, a, b, n, mode, [](T x, T y) { return x + y; }); return true;
        case 1: contig_loop(o, a, b, n, mode, [](T x, T y) { return x - y; }); return true;
        case 2: contig_loop(o, a, b, n, mode, [](T x, T y) { return x * y; }); return true;
        case 3: contig_loop(o, a, b, n, mode, [](T x, T y) { return x / y; }); return true;
        case 5: contig_loop(o, a, b, n, mode, [](T x, T y) { return max_nan(x, y); }); return true;
        case 6: contig_loop(o, a, b, n, mode, [](T x, T y) { return min_nan(x, y); }); return true;
        default: return false;
    }
}

}  // namespace
}  // namespace pdg::PDG_ISA
