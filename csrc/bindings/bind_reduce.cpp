#include "bindings/registry.h"
#include "cpu/reduce.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(reduce, 10) {
    m.def("reduce_forward", &reduce_forward, nogil(), py::arg("op"), py::arg("out"), py::arg("inp"),
          py::arg("O"), py::arg("R"), py::arg("I"), py::arg("correction") = 0);
    m.def("reduce_backward", &reduce_backward, nogil(), py::arg("op"), py::arg("dinp"),
          py::arg("dout"), py::arg("inp"), py::arg("out"), py::arg("O"), py::arg("R"), py::arg("I"),
          py::arg("correction") = 0);
    m.def("index_reduce_backward", &index_reduce_backward, nogil());
}
