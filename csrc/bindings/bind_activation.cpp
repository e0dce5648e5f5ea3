#include "bindings/registry.h"
#include "cpu/activation.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(activation, 20) {
    m.def("activation_forward", &activation_forward, nogil(), py::arg("op"), py::arg("out"),
          py::arg("inp"), py::arg("n"), py::arg("p0") = 0.0, py::arg("p1") = 0.0);
    m.def("activation_backward", &activation_backward, nogil(), py::arg("op"), py::arg("dinp"),
          py::arg("dout"), py::arg("inp"), py::arg("out"), py::arg("n"), py::arg("p0") = 0.0,
          py::arg("p1") = 0.0);
    m.def("activation_uses_result", &activation_uses_result, py::arg("op"));
}
