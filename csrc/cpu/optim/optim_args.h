// Arguments of the optimizer element loops (after the checks in optim.cpp)
// and the table entry of one rung. Pointers are the buffers' data; a null
// state pointer means "this option is off" (no momentum, no amsgrad, ...).
#pragma once
#include <cstdint>

#include "core/cpu_features.h"

namespace pdg {

template <class T>
struct SgdArgs {
    T* p;
    const T* g;
    T* buf;  // momentum buffer or null
    T lr, momentum, dampening, weight_decay;
    bool nesterov, maximize, first_step;
};

template <class T>
struct AdamArgs {
    T* p;
    const T* g;
    T *exp_avg, *exp_avg_sq, *max_exp_avg_sq;  // the last is null unless amsgrad
    T lr, beta1, beta2, eps, weight_decay;
    T step_size;     // lr / (1 - beta1^step)
    T inv_bc2_sqrt;  // 1 / sqrt(1 - beta2^step)
    bool maximize, decoupled;
};

template <class T>
struct RmspropArgs {
    T* p;
    const T* g;
    T *square_avg, *grad_avg, *momentum_buf;  // the last two may be null
    T lr, alpha, eps, weight_decay, momentum;
    bool maximize;
};

template <class T>
struct AdagradArgs {
    T* p;
    const T* g;
    T* state_sum;
    T clr;  // lr / (1 + (step - 1) * lr_decay)
    T eps, weight_decay;
    bool maximize;
};

template <class A>
using OptimLoop = void (*)(const A&, int64_t begin, int64_t end);

struct OptimRung {
    const char* name;
    bool (*supported)();
    bool threaded;  // split the elements across threads (parallel_for)
    OptimLoop<SgdArgs<float>> sgd_f32;
    OptimLoop<SgdArgs<double>> sgd_f64;
    OptimLoop<AdamArgs<float>> adam_f32;
    OptimLoop<AdamArgs<double>> adam_f64;
    OptimLoop<RmspropArgs<float>> rmsprop_f32;
    OptimLoop<RmspropArgs<double>> rmsprop_f64;
    OptimLoop<AdagradArgs<float>> adagrad_f32;
    OptimLoop<AdagradArgs<double>> adagrad_f64;
};

// One table per rung file, each in the namespace of its instruction set. They
// are constant-initialized data (function addresses, no code), so reading them
// runs nothing compiled with wide instructions: only calling an entry does,
// and optim.cpp calls a rung only after its supported() said yes.
namespace baseline {
extern const OptimRung optim_rung_01;
}
#if PDG_X86_SIMD
namespace avx2 {
extern const OptimRung optim_rung_02;
}
namespace avx512 {
extern const OptimRung optim_rung_03;
}
#endif

}  // namespace pdg
