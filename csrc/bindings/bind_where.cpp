#include "bindings/registry.h"
#include "cpu/where.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(where, 20) {
    m.def("where_forward", &where_forward, nogil(), py::arg("out"), py::arg("cond"), py::arg("a"),
          py::arg("b"), py::arg("shape"), py::arg("cond_strides"), py::arg("cond_offset"),
          py::arg("a_strides"), py::arg("a_offset"), py::arg("b_strides"), py::arg("b_offset"));
    m.def("where_backward", &where_backward, nogil(), py::arg("da"), py::arg("db"),
          py::arg("dout"), py::arg("cond"), py::arg("shape"), py::arg("cond_strides"),
          py::arg("cond_offset"));
}
