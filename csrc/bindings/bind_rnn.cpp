// Recurrent kernels (csrc/cpu/rnn.h). Optional buffers are None from Python.
#include "bindings/registry.h"
#include "cpu/rnn.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(rnn, 60) {
    m.def("lstm_forward", &lstm_forward, nogil(), py::arg("y"), py::arg("h_n"), py::arg("c_n"),
          py::arg("gates"), py::arg("cs"), py::arg("x"), py::arg("h0"), py::arg("c0"),
          py::arg("w_ih"), py::arg("w_hh"), py::arg("b_ih"), py::arg("b_hh"), py::arg("T"),
          py::arg("B"), py::arg("I"), py::arg("H"), py::arg("reverse") = false,
          py::arg("variant") = "");
    m.def("lstm_backward", &lstm_backward, nogil(), py::arg("dx"), py::arg("dh0"),
          py::arg("dc0"), py::arg("dw_ih"), py::arg("dw_hh"), py::arg("db_ih"), py::arg("db_hh"),
          py::arg("dy"), py::arg("dh_n"), py::arg("dc_n"), py::arg("x"), py::arg("h0"),
          py::arg("c0"), py::arg("w_ih"), py::arg("w_hh"), py::arg("y"), py::arg("gates"),
          py::arg("cs"), py::arg("T"), py::arg("B"), py::arg("I"), py::arg("H"),
          py::arg("reverse") = false, py::arg("variant") = "");
    m.def("gru_forward", &gru_forward, nogil(), py::arg("y"), py::arg("h_n"), py::arg("gates"),
          py::arg("x"), py::arg("h0"), py::arg("w_ih"), py::arg("w_hh"), py::arg("b_ih"),
          py::arg("b_hh"), py::arg("T"), py::arg("B"), py::arg("I"), py::arg("H"),
          py::arg("reverse") = false, py::arg("variant") = "");
    m.def("gru_backward", &gru_backward, nogil(), py::arg("dx"), py::arg("dh0"),
          py::arg("dw_ih"), py::arg("dw_hh"), py::arg("db_ih"), py::arg("db_hh"), py::arg("dy"),
          py::arg("dh_n"), py::arg("x"), py::arg("h0"), py::arg("w_ih"), py::arg("w_hh"),
          py::arg("y"), py::arg("gates"), py::arg("T"), py::arg("B"), py::arg("I"), py::arg("H"),
          py::arg("reverse") = false, py::arg("variant") = "");
    m.def("rnn_forward", &rnn_forward, nogil(), py::arg("y"), py::arg("h_n"), py::arg("x"),
          py::arg("h0"), py::arg("w_ih"), py::arg("w_hh"), py::arg("b_ih"), py::arg("b_hh"),
          py::arg("T"), py::arg("B"), py::arg("I"), py::arg("H"),
          py::arg("nonlinearity") = "tanh", py::arg("reverse") = false,
          py::arg("variant") = "");
    m.def("rnn_backward", &rnn_backward, nogil(), py::arg("dx"), py::arg("dh0"),
          py::arg("dw_ih"), py::arg("dw_hh"), py::arg("db_ih"), py::arg("db_hh"), py::arg("dy"),
          py::arg("dh_n"), py::arg("x"), py::arg("h0"), py::arg("w_ih"), py::arg("w_hh"),
          py::arg("y"), py::arg("T"), py::arg("B"), py::arg("I"), py::arg("H"),
          py::arg("nonlinearity") = "tanh", py::arg("reverse") = false,
          py::arg("variant") = "");
    m.def("rnn_variants", &rnn_variants);
    m.def("set_rnn_variant", &set_rnn_variant);
    m.def("get_rnn_variant", &get_rnn_variant);
}
