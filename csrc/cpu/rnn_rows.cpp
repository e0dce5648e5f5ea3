// Baseline-ISA instance of the gate math (rnn_cells.h) and the run-time choice
// between it and the AVX-512 instance (rnn_rows_avx512.cpp).
#include "cpu/rnn_rows.h"

#include "core/cpu_features.h"
#include "cpu/rnn.h"

#define PDG_RNN_ISA base
#include "cpu/rnn_cells.h"

namespace pdg::rnn_detail {

template <class T>
const RowFns<T>& row_fns_base() {
    static const RowFns<T> fns = {base::lstm_fwd_rows<T>, base::lstm_bwd_rows<T>,
                                  base::gru_fwd_rows<T>,  base::gru_bwd_rows<T>,
                                  base::rnn_fwd_rows<T>,  base::rnn_bwd_rows<T>};
    return fns;
}

template <>
const RowFns<float>& row_fns<float>() {
    static const RowFns<float>& fns = cpu_has_avx512() ? row_fns_avx512() : row_fns_base<float>();
    return fns;
}

template <>
const RowFns<double>& row_fns<double>() {
    return row_fns_base<double>();
}

template const RowFns<float>& row_fns_base<float>();
template const RowFns<double>& row_fns_base<double>();

static std::string& current_variant() {
    static std::string v = "fused";
    return v;
}

static bool is_known_variant(const std::string& v) { return v == "fused" || v == "reference"; }

bool use_fused(const char* op, const std::string& variant) {
    const std::string& v = variant.empty() ? current_variant() : variant;
    PDG_CHECK(is_known_variant(v), op, ": unknown variant '", v, "' (known: fused, reference)");
    return v == "fused";
}

void check_optional(const char* op, const char* name, const Buffer* b, int64_t numel,
                    DType dtype) {
    if (!b) return;
    check_cpu(op, *b);
    check_buffer(op, name, *b, numel, dtype);
}

void check_sizes(const char* op, int64_t T, int64_t B, int64_t I, int64_t H) {
    PDG_CHECK(T >= 1 && B >= 1 && I >= 1 && H >= 1, op,
              ": sizes must be >= 1, got T=", T, ", B=", B, ", I=", I, ", H=", H);
}

}  // namespace pdg::rnn_detail

namespace pdg {

std::vector<std::pair<std::string, std::string>> rnn_variants() {
    return {{"reference", "per-step loops: one GEMM per step and product, std::exp/std::tanh"},
            {"fused", "one input-projection GEMM, per-step h W_hh^T GEMM, vectorised fused "
                      "gates, rows split across threads, one GEMM per weight gradient"}};
}

void set_rnn_variant(const std::string& name) {
    PDG_CHECK(rnn_detail::is_known_variant(name), "set_rnn_variant: unknown variant '", name,
              "' (known: fused, reference)");
    rnn_detail::current_variant() = name;
}

std::string get_rnn_variant() { return rnn_detail::current_variant(); }

}  // namespace pdg
