#include "bindings/registry.h"
#include "core/error.h"
#include "cpu/gemm/gemm.h"
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
    m.def("set_gemm_variant", &set_gemm_variant);
    m.def("get_gemm_variant", &get_gemm_variant);
}
