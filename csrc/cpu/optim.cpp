// Optimizer update kernels: argument checks, hyper-parameter setup and the
// choice of rung. The element loops are in optim/optim_loops.h.
//
// Kernels overwrite their outputs; only autograd accumulates gradients. (The
// parameter and state buffers are updated in place; the gradient is read.)
#include "cpu/optim.h"

#include <cmath>

#include "core/parallel.h"
#include "cpu/optim/optim_args.h"

namespace pdg {
namespace {

// Elements per thread chunk: the loops stream 4-5 buffers, so below this a
// fork/join costs more than it saves.
constexpr int64_t kOptimGrain = 1 << 16;

// Slowest to fastest: "auto" takes the last supported one. The tables are
// data, so taking their addresses runs no wide instruction.
const std::vector<const OptimRung*>& rungs() {
    static const std::vector<const OptimRung*> table = {
        &baseline::optim_rung_01,
#if PDG_X86_SIMD
        &avx2::optim_rung_02,
        &avx512::optim_rung_03,
#endif
    };
    return table;
}

std::string known_variants() {
    std::string s = "auto";
    for (const OptimRung* r : rungs()) s += str(", ", r->name);
    return s;
}

std::string& forced() {
    static std::string v = "auto";
    return v;
}

// Asked on every step (a few string compares): the SIMD cap may have changed.
const OptimRung& find_rung(const std::string& name) {
    const auto& t = rungs();
    if (name.empty() || name == "auto") {
        for (auto it = t.rbegin(); it != t.rend(); ++it)
            if ((*it)->supported()) return **it;
        return *t.front();
    }
    for (const OptimRung* r : t) {
        if (name == r->name) {
            if (!r->supported())
                throw ValueError(str("optim: kernel variant '", name, "' is not supported: ",
                                     simd_level_explained()));
            return *r;
        }
    }
    throw ValueError(str("optim: unknown kernel variant '", name, "' (known: ", known_variants(),
                         ")"));
}

const OptimRung& current() { return find_rung(forced()); }

template <class A>
void run(const OptimRung& r, OptimLoop<A> loop, const A& args, int64_t n) {
    if (r.threaded)
        parallel_for(n, kOptimGrain, [&](int64_t b, int64_t e) { loop(args, b, e); });
    else
        loop(args, 0, n);
}

// Checks shared by every kernel: param is a float buffer; grad and each given
// state buffer have its dtype and numel; everything is on the CPU.
void check_state(const char* op, const Buffer& param, const Buffer& grad,
                 std::initializer_list<std::pair<const char*, const Buffer*>> state) {
    check_cpu(op, param);
    PDG_CHECK_TYPE(is_floating(param.dtype()), op, ": param must be float32 or float64, got ",
                   dtype_name(param.dtype()));
    check_buffer(op, "grad", grad, param.numel(), param.dtype());
    check_cpu(op, grad);
    for (const auto& [name, b] : state) {
        if (b == nullptr) continue;
        check_buffer(op, name, *b, param.numel(), param.dtype());
        check_cpu(op, *b);
    }
}

void check_hyper(const char* op, const char* name, double v, bool positive = false) {
    PDG_CHECK(std::isfinite(v) && (positive ? v > 0 : v >= 0), op, ": invalid ", name, " ", v);
}

// The rung's loop for scalar type T.
template <class T, class F32, class F64>
auto pick(F32 f32, F64 f64) {
    if constexpr (std::is_same_v<T, float>) return f32;
    else return f64;
}

template <class T>
T* ptr(Buffer* b) {
    return b ? b->data<T>() : nullptr;
}

}  // namespace

std::vector<std::string> optim_variants() {
    std::vector<std::string> out;
    for (const OptimRung* r : rungs())
        if (r->supported()) out.emplace_back(r->name);
    return out;
}

void set_optim_variant(const std::string& name) {
    find_rung(name);  // validates
    forced() = name.empty() ? "auto" : name;
}

std::string get_optim_variant() { return find_rung(forced()).name; }

void sgd_step(Buffer& param, const Buffer& grad, Buffer* momentum_buf, double lr, double momentum,
              double dampening, double weight_decay, bool nesterov, bool maximize,
              bool first_step) {
    const char* op = "sgd_step";
    check_state(op, param, grad, {{"momentum_buf", momentum_buf}});
    check_hyper(op, "lr", lr);
    check_hyper(op, "momentum", momentum);
    check_hyper(op, "weight_decay", weight_decay);
    PDG_CHECK(!nesterov || momentum_buf != nullptr, op, ": nesterov needs a momentum buffer");
    const int64_t n = param.numel();
    const OptimRung& r = current();
    PDG_DISPATCH_FLOATING(param.dtype(), op, [&] {
        SgdArgs<scalar_t> a{param.data<scalar_t>(), grad.data<scalar_t>(),
                            ptr<scalar_t>(momentum_buf), scalar_t(lr), scalar_t(momentum),
                            scalar_t(dampening), scalar_t(weight_decay), nesterov, maximize,
                            first_step};
        run(r, pick<scalar_t>(r.sgd_f32, r.sgd_f64), a, n);
    });
    param.bump_version();
}

void adam_step(Buffer& param, const Buffer& grad, Buffer& exp_avg, Buffer& exp_avg_sq,
               Buffer* max_exp_avg_sq, double lr, double beta1, double beta2, double eps,
               double weight_decay, int64_t step, bool amsgrad, bool maximize, bool decoupled) {
    const char* op = decoupled ? "adamw_step" : "adam_step";
    check_state(op, param, grad,
                {{"exp_avg", &exp_avg}, {"exp_avg_sq", &exp_avg_sq},
                 {"max_exp_avg_sq", max_exp_avg_sq}});
    PDG_CHECK(!amsgrad || max_exp_avg_sq != nullptr, op, ": amsgrad needs max_exp_avg_sq");
    check_hyper(op, "lr", lr);
    check_hyper(op, "eps", eps);
    check_hyper(op, "weight_decay", weight_decay);
    PDG_CHECK(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, op,
              ": betas must be in [0, 1), got (", beta1, ", ", beta2, ")");
    PDG_CHECK(step >= 1, op, ": step must be >= 1, got ", step);
    // Bias corrections in double, as torch.optim computes them in Python.
    const double bc1 = 1.0 - std::pow(beta1, double(step));
    const double bc2 = 1.0 - std::pow(beta2, double(step));
    const double step_size = lr / bc1;
    const double inv_bc2_sqrt = 1.0 / std::sqrt(bc2);
    const int64_t n = param.numel();
    const OptimRung& r = current();
    PDG_DISPATCH_FLOATING(param.dtype(), op, [&] {
        using T = scalar_t;
        AdamArgs<T> a{param.data<T>(), grad.data<T>(), exp_avg.data<T>(), exp_avg_sq.data<T>(),
                      amsgrad ? ptr<T>(max_exp_avg_sq) : nullptr, T(lr), T(beta1), T(beta2),
                      T(eps), T(weight_decay), T(step_size), T(inv_bc2_sqrt), maximize,
                      decoupled};
        run(r, pick<scalar_t>(r.adam_f32, r.adam_f64), a, n);
    });
    param.bump_version();
}

void rmsprop_step(Buffer& param, const Buffer& grad, Buffer& square_avg, Buffer* grad_avg,
                  Buffer* momentum_buf, double lr, double alpha, double eps, double weight_decay,
                  double momentum, bool centered, bool maximize) {
    const char* op = "rmsprop_step";
    check_state(op, param, grad,
                {{"square_avg", &square_avg}, {"grad_avg", grad_avg}, {"momentum_buf", momentum_buf}});
    PDG_CHECK(!centered || grad_avg != nullptr, op, ": centered needs grad_avg");
    PDG_CHECK(momentum <= 0 || momentum_buf != nullptr, op, ": momentum > 0 needs momentum_buf");
    check_hyper(op, "lr", lr);
    check_hyper(op, "alpha", alpha);
    check_hyper(op, "eps", eps);
    check_hyper(op, "weight_decay", weight_decay);
    check_hyper(op, "momentum", momentum);
    const int64_t n = param.numel();
    const OptimRung& r = current();
    PDG_DISPATCH_FLOATING(param.dtype(), op, [&] {
        using T = scalar_t;
        RmspropArgs<T> a{param.data<T>(), grad.data<T>(), square_avg.data<T>(),
                         centered ? ptr<T>(grad_avg) : nullptr,
                         momentum > 0 ? ptr<T>(momentum_buf) : nullptr, T(lr), T(alpha), T(eps),
                         T(weight_decay), T(momentum), maximize};
        run(r, pick<scalar_t>(r.rmsprop_f32, r.rmsprop_f64), a, n);
    });
    param.bump_version();
}

void adagrad_step(Buffer& param, const Buffer& grad, Buffer& state_sum, double lr,
                  double lr_decay, double weight_decay, double eps, int64_t step, bool maximize) {
    const char* op = "adagrad_step";
    check_state(op, param, grad, {{"state_sum", &state_sum}});
    check_hyper(op, "lr", lr);
    check_hyper(op, "lr_decay", lr_decay);
    check_hyper(op, "eps", eps);
    check_hyper(op, "weight_decay", weight_decay);
    PDG_CHECK(step >= 1, op, ": step must be >= 1, got ", step);
    const double clr = lr / (1.0 + double(step - 1) * lr_decay);
    const int64_t n = param.numel();
    const OptimRung& r = current();
    PDG_DISPATCH_FLOATING(param.dtype(), op, [&] {
        using T = scalar_t;
        AdagradArgs<T> a{param.data<T>(), grad.data<T>(), state_sum.data<T>(), T(clr), T(eps),
                         T(weight_decay), maximize};
        run(r, pick<scalar_t>(r.adagrad_f32, r.adagrad_f64), a, n);
    });
    param.bump_version();
}

}  // namespace pdg
