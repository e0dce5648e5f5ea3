// Random number fills on Philox4x32-10 counters. Each output block of up to
// four values comes from one counter, so parallel chunks never share state.
#include "cpu/random.h"

#include <cmath>

#include "core/parallel.h"

namespace pdg {
namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

// Fills out[0..n) with f(block_words, j) for j in a block of `per` values.
template <class T, class F>
void fill_blocks(T* out, int64_t n, int per, Generator& gen, const F& f) {
    const int64_t blocks = (n + per - 1) / per;
    const uint64_t base = gen.reserve(uint64_t(blocks));
    const uint64_t seed = gen.seed();
    parallel_for(blocks, 4096, [&](int64_t b0, int64_t b1) {
        for (int64_t blk = b0; blk < b1; ++blk) {
            const auto w = Philox4x32::block(seed, base + uint64_t(blk));
            const int64_t i0 = blk * per;
            for (int j = 0; j < per && i0 + j < n; ++j) out[i0 + j] = f(w, j);
        }
    });
}

}  // namespace

void uniform_fill(Buffer& out, double low, double high, Generator& gen) {
    check_cpu("uniform_", out);
    PDG_CHECK(low <= high, "uniform_: expects low <= high, got low=", low, " high=", high);
    PDG_DISPATCH_FLOATING(out.dtype(), "uniform_", [&] {
        scalar_t* o = out.data<scalar_t>();
        if constexpr (std::is_same_v<scalar_t, float>) {
            fill_blocks(o, out.numel(), 4, gen, [&](const std::array<uint32_t, 4>& w, int j) {
                return float(low + (high - low) * double(uniform_float(w[j])));
            });
        } else {
            fill_blocks(o, out.numel(), 2, gen, [&](const std::array<uint32_t, 4>& w, int j) {
                return low + (high - low) * uniform_double(w[2 * j], w[2 * j + 1]);
            });
        }
    });
}

void normal_fill(Buffer& out, double mean, double std, Generator& gen) {
    check_cpu("normal_", out);
    PDG_CHECK(std >= 0, "normal_: expects std >= 0, got ", std);
    // Box-Muller: two uniforms give two normals.
    PDG_DISPATCH_FLOATING(out.dtype(), "normal_", [&] {
        scalar_t* o = out.data<scalar_t>();
        if constexpr (std::is_same_v<scalar_t, float>) {
            fill_blocks(o, out.numel(), 4, gen, [&](const std::array<uint32_t, 4>& w, int j) {
                const int p = j / 2;
                const double u1 = 1.0 - double(uniform_float(w[2 * p]));  // (0, 1]
                const double u2 = double(uniform_float(w[2 * p + 1]));
                const double r = std::sqrt(-2.0 * std::log(u1));
                const double z = (j % 2 == 0) ? r * std::cos(kTwoPi * u2) : r * std::sin(kTwoPi * u2);
                return float(mean + std * z);
            });
        } else {
            fill_blocks(o, out.numel(), 2, gen, [&](const std::array<uint32_t, 4>& w, int j) {
                const double u1 = 1.0 - uniform_double(w[0], w[1]);
                const double u2 = uniform_double(w[2], w[3]);
                const double r = std::sqrt(-2.0 * std::log(u1));
                const double z = (j == 0) ? r * std::cos(kTwoPi * u2) : r * std::sin(kTwoPi * u2);
                return mean + std * z;
            });
        }
    });
}

void randint_fill(Buffer& out, int64_t low, int64_t high, Generator& gen) {
    check_cpu("randint", out);
    PDG_CHECK(low < high, "randint: expects low < high, got low=", low, " high=", high);
    const uint64_t range = uint64_t(high) - uint64_t(low);
    PDG_DISPATCH_NUMERIC(out.dtype(), "randint", [&] {
        fill_blocks(out.data<scalar_t>(), out.numel(), 2, gen,
                    [&](const std::array<uint32_t, 4>& w, int j) {
                        const uint64_t x = uint64_t(w[2 * j]) << 32 | w[2 * j + 1];
                        return scalar_t(int64_t(uint64_t(low) + x % range));
                    });
    });
}

void bernoulli_fill(Buffer& out, double p, Generator& gen) {
    check_cpu("bernoulli", out);
    PDG_CHECK(p >= 0 && p <= 1, "bernoulli: expects 0 <= p <= 1, got ", p);
    PDG_DISPATCH_ALL(out.dtype(), "bernoulli", [&] {
        fill_blocks(out.data<scalar_t>(), out.numel(), 4, gen,
                    [&](const std::array<uint32_t, 4>& w, int j) {
                        return scalar_t(double(uniform_float(w[j])) < p ? 1 : 0);
                    });
    });
}

void randperm_fill(Buffer& out, Generator& gen) {
    check_cpu("randperm", out);
    PDG_CHECK(out.dtype() == DType::Int64, "randperm: output must be int64");
    const int64_t n = out.numel();
    int64_t* o = out.data<int64_t>();
    for (int64_t i = 0; i < n; ++i) o[i] = i;
    if (n < 2) return;
    // Fisher-Yates with one 64-bit draw per swap.
    const uint64_t base = gen.reserve(uint64_t((n + 1) / 2));
    const uint64_t seed = gen.seed();
    std::array<uint32_t, 4> w{};
    for (int64_t i = n - 1; i > 0; --i) {
        const int64_t k = n - 1 - i;
        if (k % 2 == 0) w = Philox4x32::block(seed, base + uint64_t(k / 2));
        const uint64_t x = uint64_t(w[2 * (k % 2)]) << 32 | w[2 * (k % 2) + 1];
        const int64_t j = int64_t(x % uint64_t(i + 1));
        std::swap(o[i], o[j]);
    }
}

}  // namespace pdg
