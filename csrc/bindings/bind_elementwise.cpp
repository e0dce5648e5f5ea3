#include "bindings/registry.h"
#include "core/buffer.h"
#include "cpu/binary.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(binary, 10) {
    m.def("binary_variants", &binary_variants);
    m.def("set_binary_variant", &set_binary_variant, py::arg("name"));
    m.def("get_binary_variant", &get_binary_variant);
    m.def("binary_forward", &binary_forward, nogil(), py::arg("op"), py::arg("out"), py::arg("a"),
          py::arg("b"), py::arg("shape"), py::arg("a_strides"), py::arg("a_offset"),
          py::arg("b_strides"), py::arg("b_offset"));
    // The GIL is only released for work worth a thread switch (~0.1 us).
    m.def("binary_contiguous", [](int op, const Buffer& a, int64_t a_off, const Buffer& b, int64_t b_off,
                                  int64_t n) {
        if (n < 16384) return binary_contiguous(op, a, a_off, b, b_off, n);
        py::gil_scoped_release nogil;
        return binary_contiguous(op, a, a_off, b, b_off, n);
    });
    m.def("binary_backward", &binary_backward, nogil(), py::arg("op"), py::arg("da"), py::arg("db"),
          py::arg("dout"), py::arg("a"), py::arg("b"), py::arg("out"), py::arg("shape"),
          py::arg("a_strides"), py::arg("a_offset"), py::arg("b_strides"), py::arg("b_offset"));
}
