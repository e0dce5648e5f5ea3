#include "bindings/registry.h"
#include "cpu/binary.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(binary, 10) {
    m.def("binary_forward", &binary_forward, nogil(), py::arg("op"), py::arg("out"), py::arg("a"),
          py::arg("b"), py::arg("shape"), py::arg("a_strides"), py::arg("a_offset"),
          py::arg("b_strides"), py::arg("b_offset"));
    m.def("binary_backward", &binary_backward, nogil(), py::arg("op"), py::arg("da"), py::arg("db"),
          py::arg("dout"), py::arg("a"), py::arg("b"), py::arg("out"), py::arg("shape"),
          py::arg("a_strides"), py::arg("a_offset"), py::arg("b_strides"), py::arg("b_offset"));
}
