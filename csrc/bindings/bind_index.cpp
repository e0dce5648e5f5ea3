#include "bindings/registry.h"
#include "cpu/index.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(index, 20) {
    m.def("index_gather_forward", &index_gather_forward, nogil(), py::arg("out"), py::arg("inp"),
          py::arg("idx"), py::arg("O"), py::arg("sizes"), py::arg("I"), py::arg("K"),
          py::arg("dims"));
    m.def("index_gather_backward", &index_gather_backward, nogil(), py::arg("dinp"),
          py::arg("dout"), py::arg("idx"), py::arg("O"), py::arg("sizes"), py::arg("I"),
          py::arg("K"), py::arg("dims"));
    m.def("index_put", &index_put, nogil(), py::arg("out"), py::arg("values"), py::arg("idx"),
          py::arg("O"), py::arg("sizes"), py::arg("I"), py::arg("K"), py::arg("dims"),
          py::arg("accumulate") = false);
    m.def("gather_forward", &gather_forward, nogil(), py::arg("out"), py::arg("inp"),
          py::arg("idx"), py::arg("O"), py::arg("R"), py::arg("I"), py::arg("K"));
    m.def("gather_backward", &gather_backward, nogil(), py::arg("dinp"), py::arg("dout"),
          py::arg("idx"), py::arg("O"), py::arg("R"), py::arg("I"), py::arg("K"));
    m.def("scatter_forward", &scatter_forward, nogil(), py::arg("out"), py::arg("src"),
          py::arg("idx"), py::arg("O"), py::arg("R"), py::arg("I"), py::arg("K"),
          py::arg("accumulate") = false);
    m.def("scatter_backward",
          [](std::optional<Buffer> dinp, std::optional<Buffer> dsrc, const Buffer& dout,
             const Buffer& idx, int64_t O, int64_t R, int64_t I, int64_t K, bool accumulate) {
              scatter_backward(dinp ? &*dinp : nullptr, dsrc ? &*dsrc : nullptr, dout, idx, O, R,
                               I, K, accumulate);
          },
          nogil(), py::arg("dinp"), py::arg("dsrc"), py::arg("dout"), py::arg("idx"),
          py::arg("O"), py::arg("R"), py::arg("I"), py::arg("K"), py::arg("accumulate") = false);
    m.def("nonzero_count", &nonzero_count, nogil(), py::arg("inp"));
    m.def("nonzero_forward", &nonzero_forward, nogil(), py::arg("out"), py::arg("inp"),
          py::arg("shape"));
}
