#include "bindings/registry.h"
#include "core/error.h"
#include "cpu/gemm/fma_peak.h"
#include "cpu/gemm/gemm.h"
#include "cpu/gemm/prepacked.h"
#include "cpu/matmul.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(gemm, 20) {
    m.def("bmm_forward", &bmm_forward, nogil(), py::arg("out"), py::arg("a"), py::arg("b"),
          py::arg("batch"), py::arg("M"), py::arg("N"), py::arg("K"), py::arg("trans_a"),
          py::arg("trans_b"), py::arg("a_offset"), py::arg("a_batch_stride"), py::arg("b_offset"),
          py::arg("b_batch_stride"), py::arg("variant") = "");
    m.def("gemm_variants", [] {
        py::list out;
        for (const auto& v : gemm_variants())
            out.append(py::make_tuple(v.name, v.description, v.supported()));
        return out;
    });
    // gemm(out C, A, B, M, N, K, ...): one GEMM call on flat buffers, for
    // tests and benchmarks of a single rung (`variant`, "" = current choice).
    m.def(
        "gemm",
        [](Buffer& c, const Buffer& a, const Buffer& b, int64_t M, int64_t N, int64_t K,
           bool trans_a, bool trans_b, double alpha, double beta, int64_t lda, int64_t ldb,
           int64_t ldc, const std::string& variant) {
            gemm_buffers(c, a, b, M, N, K, trans_a, trans_b, alpha, beta, lda, ldb, ldc, variant);
        },
        nogil(), py::arg("c"), py::arg("a"), py::arg("b"), py::arg("M"), py::arg("N"),
        py::arg("K"), py::arg("trans_a") = false, py::arg("trans_b") = false,
        py::arg("alpha") = 1.0, py::arg("beta") = 0.0, py::arg("lda") = -1, py::arg("ldb") = -1,
        py::arg("ldc") = -1, py::arg("variant") = "");
    // gemm_prepacked(...): pack b once (pack_b), then `repeat` products with
    // gemm_prepacked; same arguments as gemm. For tests and benchmarks.
    m.def("gemm_prepacked", &gemm_prepacked_buffers, nogil(), py::arg("c"), py::arg("a"),
          py::arg("b"), py::arg("M"), py::arg("N"), py::arg("K"), py::arg("trans_a") = false,
          py::arg("trans_b") = false, py::arg("alpha") = 1.0, py::arg("beta") = 0.0,
          py::arg("lda") = -1, py::arg("ldb") = -1, py::arg("ldc") = -1, py::arg("repeat") = 1,
          py::arg("variant") = "");
    m.def("set_gemm_variant", &set_gemm_variant);
    // Measured fp32 FMA peak (GFLOP/s, all pdg threads together) at the SIMD
    // level in use, for "% of peak" in benchmarks.
    m.def("fma_peak_gflops", &fma_peak_gflops, nogil(), py::arg("iters") = 20000000);
    m.def("get_gemm_variant", &get_gemm_variant);
}
