#include "bindings/registry.h"
#include "cpu/loss.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(loss, 20) {
    m.def("pointwise_loss_forward", &pointwise_loss_forward, nogil(), py::arg("op"), py::arg("out"),
          py::arg("inp"), py::arg("target"), py::arg("weight"), py::arg("pos_weight"), py::arg("n"),
          py::arg("reduction"), py::arg("beta"));
    m.def("pointwise_loss_backward", &pointwise_loss_backward, nogil(), py::arg("op"), py::arg("dinp"),
          py::arg("dtarget"), py::arg("dout"), py::arg("inp"), py::arg("target"), py::arg("weight"),
          py::arg("pos_weight"), py::arg("n"), py::arg("reduction"), py::arg("beta"));
    m.def("cross_entropy_forward", &cross_entropy_forward, nogil(), py::arg("out"), py::arg("lse"),
          py::arg("inp"), py::arg("target"), py::arg("weight"), py::arg("N"), py::arg("C"), py::arg("D"),
          py::arg("ignore_index"), py::arg("label_smoothing"), py::arg("reduction"));
    m.def("cross_entropy_backward", &cross_entropy_backward, nogil(), py::arg("dinp"), py::arg("dout"),
          py::arg("inp"), py::arg("lse"), py::arg("target"), py::arg("weight"), py::arg("N"), py::arg("C"),
          py::arg("D"), py::arg("ignore_index"), py::arg("label_smoothing"), py::arg("reduction"),
          py::arg("total_weight"));
    m.def("cross_entropy_prob_forward", &cross_entropy_prob_forward, nogil(), py::arg("out"),
          py::arg("lse"), py::arg("inp"), py::arg("target"), py::arg("weight"), py::arg("N"), py::arg("C"),
          py::arg("D"), py::arg("label_smoothing"), py::arg("reduction"));
    m.def("cross_entropy_prob_backward", &cross_entropy_prob_backward, nogil(), py::arg("dinp"),
          py::arg("dtarget"), py::arg("dout"), py::arg("inp"), py::arg("lse"), py::arg("target"),
          py::arg("weight"), py::arg("N"), py::arg("C"), py::arg("D"), py::arg("label_smoothing"),
          py::arg("reduction"));
    m.def("nll_loss_forward", &nll_loss_forward, nogil(), py::arg("out"), py::arg("inp"), py::arg("target"),
          py::arg("weight"), py::arg("N"), py::arg("C"), py::arg("D"), py::arg("ignore_index"),
          py::arg("reduction"));
    m.def("nll_loss_backward", &nll_loss_backward, nogil(), py::arg("dinp"), py::arg("dout"),
          py::arg("target"), py::arg("weight"), py::arg("N"), py::arg("C"), py::arg("D"),
          py::arg("ignore_index"), py::arg("reduction"), py::arg("total_weight"));
}
