#include "bindings/registry.h"
#include "cpu/dense.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(dense, 30) {
    m.def("dense_forward", &dense_forward, nogil(), py::arg("out"), py::arg("inp"),
          py::arg("weight"), py::arg("bias").none(true), py::arg("B"), py::arg("C"),
          py::arg("OC"));
    m.def("dense_backward", &dense_backward, nogil(), py::arg("dinp").none(true),
          py::arg("dweight").none(true), py::arg("dbias").none(true), py::arg("dout"),
          py::arg("inp"), py::arg("weight"), py::arg("B"), py::arg("C"), py::arg("OC"));
}
