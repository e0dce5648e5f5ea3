#include "bindings/registry.h"
#include "cpu/unary.h"
#include "cpu/vecmath.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(unary, 20) {
    m.def("unary_forward", &unary_forward, nogil(), py::arg("op"), py::arg("out"), py::arg("inp"),
          py::arg("n"), py::arg("lo") = 0.0, py::arg("hi") = 0.0);
    m.def("unary_backward", &unary_backward, nogil(), py::arg("op"), py::arg("dinp"), py::arg("dout"),
          py::arg("inp"), py::arg("out"), py::arg("n"), py::arg("lo") = 0.0, py::arg("hi") = 0.0);
    m.def("unary_uses_result", &unary_uses_result, py::arg("op"));
    m.def("set_math_variant", &set_math_variant, py::arg("name"));
    m.def("get_math_variant", &get_math_variant);
}
