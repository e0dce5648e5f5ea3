// The element loops of the optimizer kernels, written once and compiled once
// per rung (01_reference.cpp, 02_optim_avx2.cpp, 03_optim_avx512.cpp): each rung's file
// includes this header with its own instruction-set flags.
//
// Everything here sits in the including file's ISA namespace (PDG_ISA, set by
// CMake: baseline, avx2 or avx512) and has internal linkage, so the copies
// compiled with AVX-512 can never be merged into baseline code by the linker.
// The loops use only +, -, *, /, sqrt and selects, with the flags hoisted out
// of the loop, so GCC vectorizes them at -O3 (-fno-math-errno lets sqrt
// vectorize); each loop makes one pass over every buffer.
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
#pragma once
#include <cmath>
#include <cstdint>

#include "cpu/optim/optim_args.h"

#ifndef PDG_ISA
#error "PDG_ISA (baseline, avx2, avx512) is set by CMakeLists.txt for every source file"
#endif

namespace pdg::PDG_ISA {
namespace {

template <class T>
void sgd_loop(const SgdArgs<T>& a, int64_t b, int64_t e) {
    T* __restrict p = a.p;
    const T* __restrict g = a.g;
    T* __restrict buf = a.buf;
    const T lr = a.lr, mom = a.momentum, damp1 = T(1) - a.dampening, wd = a.weight_decay;
    const T sign = a.maximize ? T(-1) : T(1);
    if (buf == nullptr) {
        for (int64_t i = b; i < e; ++i) p[i] -= lr * (sign * g[i] + wd * p[i]);
        return;
    }
    for (int64_t i = b; i < e; ++i) {
        const T d = sign * g[i] + wd * p[i];
        const T m = a.first_step ? d : mom * buf[i] + damp1 * d;
        buf[i] = m;
        p[i] -= lr * (a.nesterov ? d + mom * m : m);
    }
}

template <class T>
void adam_loop(const AdamArgs<T>& a, int64_t b, int64_t e) {
    T* __restrict p = a.p;
    const T* __restrict g = a.g;
    T* __restrict m = a.exp_avg;
    T* __restrict v = a.exp_avg_sq;
    T* __restrict vmax = a.max_exp_avg_sq;
    const T beta1 = a.beta1, beta2 = a.beta2, one_b1 = T(1) - a.beta1, one_b2 = T(1) - a.beta2;
    const T eps = a.eps, step_size = a.step_size, inv_bc2_sqrt = a.inv_bc2_sqrt;
    const T l2 = a.decoupled ? T(0) : a.weight_decay;       // Adam: g += wd * p
    const T shrink = a.decoupled ? T(1) - a.lr * a.weight_decay : T(1);  // AdamW
    const T sign = a.maximize ? T(-1) : T(1);
    if (vmax == nullptr) {
        for (int64_t i = b; i < e; ++i) {
            const T gi = sign * g[i] + l2 * p[i];
            const T mi = beta1 * m[i] + one_b1 * gi;
            const T vi = beta2 * v[i] + one_b2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            const T denom = std::sqrt(vi) * inv_bc2_sqrt + eps;
            p[i] = p[i] * shrink - step_size * mi / denom;
        }
        return;
    }
    for (int64_t i = b; i < e; ++i) {
        const T gi = sign * g[i] + l2 * p[i];
        const T mi = beta1 * m[i] + one_b1 * gi;
        const T vi = beta2 * v[i] + one_b2 * gi * gi;
        const T vm = vmax[i] > vi ? vmax[i] : vi;
        m[i] = mi;
        v[i] = vi;
        vmax[i] = vm;
        const T denom = std::sqrt(vm) * inv_bc2_sqrt + eps;
        p[i] = p[i] * shrink - step_size * mi / denom;
    }
}

template <class T>
void rmsprop_loop(const RmspropArgs<T>& a, int64_t b, int64_t e) {
    T* __restrict p = a.p;
    const T* __restrict g = a.g;
    T* __restrict s = a.square_avg;
    T* __restrict ga = a.grad_avg;
    T* __restrict buf = a.momentum_buf;
    const T alpha = a.alpha, one_a = T(1) - a.alpha, eps = a.eps, lr = a.lr, wd = a.weight_decay;
    const T mom = a.momentum, sign = a.maximize ? T(-1) : T(1);
    for (int64_t i = b; i < e; ++i) {
        const T gi = sign * g[i] + wd * p[i];
        const T si = alpha * s[i] + one_a * gi * gi;
        s[i] = si;
        T var = si;
        if (ga != nullptr) {
            const T ai = alpha * ga[i] + one_a * gi;
            ga[i] = ai;
            var = si - ai * ai;
        }
        const T avg = std::sqrt(var) + eps;
        if (buf != nullptr) {
            const T bi = mom * buf[i] + gi / avg;
            buf[i] = bi;
            p[i] -= lr * bi;
        } else {
            p[i] -= lr * gi / avg;
        }
    }
}

template <class T>
void adagrad_loop(const AdagradArgs<T>& a, int64_t b, int64_t e) {
    T* __restrict p = a.p;
    const T* __restrict g = a.g;
    T* __restrict sum = a.state_sum;
    const T clr = a.clr, eps = a.eps, wd = a.weight_decay, sign = a.maximize ? T(-1) : T(1);
    for (int64_t i = b; i < e; ++i) {
        const T gi = sign * g[i] + wd * p[i];
        const T si = sum[i] + gi * gi;
        sum[i] = si;
        p[i] -= clr * gi / (std::sqrt(si) + eps);
    }
}

}  // namespace
}  // namespace pdg::PDG_ISA

// Defines the rung's table `VAR` in the current (ISA) namespace: the loops of
// both scalar types. An aggregate of addresses is constant-initialized, so no
// code runs when the module loads.
#define PDG_DEFINE_OPTIM_RUNG(VAR, NAME, SUPPORTED, THREADED)                                  \
    const OptimRung VAR = {NAME,                    SUPPORTED,                                 \
                           THREADED,                sgd_loop<float>,                           \
                           sgd_loop<double>,        adam_loop<float>,                          \
                           adam_loop<double>,       rmsprop_loop<float>,                       \
                           rmsprop_loop<double>,    adagrad_loop<float>,                       \
                           adagrad_loop<double>}
