// The GEMM ladder's table and the run-time choice of rung.
#include "cpu/gemm/gemm.h"

#include <mutex>

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
                throw ValueError(str("gemm: variant '", name, "' is not supported by this CPU"));
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

template <class T>
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc, const std::string& variant) {
    const GemmVariant& v = find_variant(variant.empty() ? forced_variant() : variant);
    if constexpr (std::is_same_v<T, float>) {
        (v.f32 ? v.f32 : gemm_01_naive<float>)(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    } else {
        (v.f64 ? v.f64 : gemm_01_naive<double>)(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t, const std::string&);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t, const std::string&);

}  // namespace pdg
