#include "bindings/registry.h"
#include "cpu/conv.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(conv, 50) {
    py::class_<ConvGeom>(m, "ConvGeom")
        .def(py::init(&make_conv_geom), py::arg("op"), py::arg("N"), py::arg("C"), py::arg("H"),
             py::arg("W"), py::arg("OC"), py::arg("KH"), py::arg("KW"), py::arg("OH"),
             py::arg("OW"), py::arg("sh"), py::arg("sw"), py::arg("ph"), py::arg("pw"),
             py::arg("dh"), py::arg("dw"), py::arg("groups"))
        .def("__repr__", &ConvGeom::str);
    m.def("conv2d_forward", &conv2d_forward, nogil(), py::arg("out"), py::arg("inp"),
          py::arg("weight"), py::arg("bias"), py::arg("geom"), py::arg("variant") = "");
    m.def("conv2d_backward", &conv2d_backward, nogil(), py::arg("dinp"), py::arg("dweight"),
          py::arg("dbias"), py::arg("dout"), py::arg("inp"), py::arg("weight"), py::arg("geom"),
          py::arg("variant") = "");
    m.def("conv_transpose2d_forward", &conv_transpose2d_forward, nogil(), py::arg("out"),
          py::arg("inp"), py::arg("weight"), py::arg("bias"), py::arg("geom"),
          py::arg("variant") = "");
    m.def("conv_transpose2d_backward", &conv_transpose2d_backward, nogil(), py::arg("dinp"),
          py::arg("dweight"), py::arg("dbias"), py::arg("dout"), py::arg("inp"),
          py::arg("weight"), py::arg("geom"), py::arg("variant") = "");
    m.def("conv_variants", &conv_variants);
    m.def("set_conv_variant", &set_conv_variant);
    m.def("get_conv_variant", &get_conv_variant);
}
