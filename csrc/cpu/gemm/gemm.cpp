// The GEMM ladder's table and the run-time choice of rung.
#include "cpu/gemm/gemm.h"

#include <type_traits>

#include "core/cpu_features.h"
#include "core/error.h"

namespace pdg {
namespace {

bool always() { return true; }

std::string& forced_variant() {
    static std::string v = "auto";
    return v;
}

}  // namespace

const std::vector<GemmVariant>& gemm_variants() {
    // Ordered slowest to fastest: "auto" takes the last supported rung.
    static const std::vector<GemmVariant> table = {
        {"01_naive", "triple loop, the reference", always, gemm_01_naive<float>,
         gemm_01_naive<double>},
        {"02_blocked", "cache-blocked i-k-j loops, plain C++, OpenMP", always,
         gemm_02_blocked<float>, gemm_02_blocked<double>},
#if PDG_X86_SIMD
        {"03_packed_avx2", "packed panels + AVX2/FMA 6x16 micro-kernel, OpenMP",
         cpu_has_avx2_fma, avx2::gemm_03_packed_avx2<float>, avx2::gemm_03_packed_avx2<double>},
        {"04_packed_avx512", "packed panels + AVX-512 6x64 micro-kernel, OpenMP", cpu_has_avx512,
         avx512::gemm_04_packed_avx512<float>, avx512::gemm_04_packed_avx512<double>},
#endif
    };
    return table;
}

static const GemmVariant& find_variant(const std::string& name) {
    const auto& t = gemm_variants();
    if (name.empty() || name == "auto") {
        for (auto it = t.rbegin(); it != t.rend(); ++it)
            if (it->supported()) return *it;
        return t.front();
    }
    for (const auto& v : t) {
        if (v.name == name) {
            if (!v.supported())
                throw ValueError(str("gemm: variant '", name, "' is not supported: ",
                                     simd_level_explained()));
            return v;
        }
    }
    std::string names;
    for (const auto& v : t) names += (names.empty() ? "" : ", ") + v.name;
    throw ValueError(str("gemm: unknown variant '", name, "' (known: auto, ", names, ")"));
}

void set_gemm_variant(const std::string& name) {
    find_variant(name);  // validates
    forced_variant() = name.empty() ? "auto" : name;
}

std::string get_gemm_variant() { return find_variant(forced_variant()).name; }

// The rung's function for T; a rung without one (null) hands over to the
// fastest supported rung below it that has one.
template <class T>
static GemmFn<T> pick(const GemmVariant& v) {
    const auto& t = gemm_variants();
    auto fn = [](const GemmVariant& x) {
        if constexpr (std::is_same_v<T, float>) return x.f32;
        else return x.f64;
    };
    if (fn(v)) return fn(v);
    for (auto it = t.rbegin(); it != t.rend(); ++it)
        if (&*it <= &v && it->supported() && fn(*it)) return fn(*it);
    return gemm_01_naive<T>;
}

template <class T>
GemmFn<T> gemm_function(const std::string& variant) {
    return pick<T>(find_variant(variant.empty() ? forced_variant() : variant));
}

template <class T>
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc, const std::string& variant) {
    gemm_function<T>(variant)(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

template GemmFn<float> gemm_function<float>(const std::string&);
template GemmFn<double> gemm_function<double>(const std::string&);
template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t, const std::string&);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t, const std::string&);

}  // namespace pdg
