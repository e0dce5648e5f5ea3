// Baseline-ISA instance of the gate math (rnn_cells.h) and the run-time choice
// between it and the AVX-512 instance (rnn_rows_avx512.cpp).
#include "cpu/rnn_rows.h"

#include "core/cpu_features.h"
#include "cpu/rnn.h"

#include "cpu/rnn_cells.h"

namespace pdg::baseline::rnn_cells {

const rnn_detail::RowFns<float> row_fns_f32 = {lstm_fwd_rows<float>, lstm_bwd_rows<float>,
                                               gru_fwd_rows<float>,  gru_bwd_rows<float>,
                                               rnn_fwd_rows<float>,  rnn_bwd_rows<float>};
const rnn_detail::RowFns<double> row_fns_f64 = {lstm_fwd_rows<double>, lstm_bwd_rows<double>,
                                                gru_fwd_rows<double>,  gru_bwd_rows<double>,
                                                rnn_fwd_rows<double>,  rnn_bwd_rows<double>};

}  // namespace pdg::baseline::rnn_cells

namespace pdg::rnn_detail {

template <>
const RowFns<float>& row_fns<float>() {
#if PDG_X86_SIMD
    if (cpu_has_avx512()) return avx512::rnn_cells::row_fns_f32;
#endif
    return baseline::rnn_cells::row_fns_f32;
}

template <>
const RowFns<double>& row_fns<double>() {
    return baseline::rnn_cells::row_fns_f64;
}

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
