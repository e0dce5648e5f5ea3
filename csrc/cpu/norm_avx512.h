// avx512 rung of the normalization row loops (norm.cpp), float32 only: 16
// floats per step, four independent accumulators. Compiled with -mavx512*
// (the file-name rule in CMakeLists.txt); call only when cpu_has_avx512().
// Sums come back in double, like the plain helpers they replace.
#pragma once
#include <cstdint>

namespace pdg::avx512::norm {

double sum(const float* p, int64_t n);                                 // sum p
double sqdev(const float* p, int64_t n, float m);                      // sum (p - m)^2
double dotdev(const float* dy, const float* x, int64_t n, float m);    // sum dy * (x - m)
void sum_dotdev(const float* dy, const float* x, int64_t n, float m,   // both of
                double* s_dy, double* s_dyx);                          // sum dy, dotdev
void affine(float* o, const float* x, int64_t n, float scale, float shift);  // o = x*scale + shift
// dx = c1 * dy + (x - m) * c2 + c3
void dx_row(float* dx, const float* dy, const float* x, int64_t n, float c1, float m, float c2,
            float c3);

}  // namespace pdg::avx512::norm
