#include "bindings/registry.h"
#include "cpu/softmax.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(softmax, 20) {
    m.def("softmax_forward", &softmax_forward, nogil(), py::arg("out"), py::arg("inp"), py::arg("O"),
          py::arg("R"), py::arg("I"), py::arg("log"));
    m.def("softmax_backward", &softmax_backward, nogil(), py::arg("dinp"), py::arg("dout"),
          py::arg("out"), py::arg("O"), py::arg("R"), py::arg("I"), py::arg("log"));
}
