#include "bindings/registry.h"
#include "cpu/scan.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(scan, 20) {
    m.def("scan_forward", &scan_forward, nogil(), py::arg("op"), py::arg("out"), py::arg("inp"),
          py::arg("O"), py::arg("R"), py::arg("I"));
    m.def("scan_backward", &scan_backward, nogil(), py::arg("op"), py::arg("dinp"),
          py::arg("dout"), py::arg("inp"), py::arg("O"), py::arg("R"), py::arg("I"));
}
