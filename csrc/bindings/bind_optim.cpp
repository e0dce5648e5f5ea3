// Optimizer update kernels (csrc/cpu/optim.h). State buffers that an option
// turns off (momentum, amsgrad, centered) are passed as None.
#include "bindings/registry.h"
#include "cpu/optim.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(optim, 30) {
    m.def("sgd_step", &sgd_step, nogil(), py::arg("param"), py::arg("grad"),
          py::arg("momentum_buf").none(true), py::arg("lr"), py::arg("momentum"),
          py::arg("dampening"), py::arg("weight_decay"), py::arg("nesterov"), py::arg("maximize"),
          py::arg("first_step"));
    m.def("adam_step", &adam_step, nogil(), py::arg("param"), py::arg("grad"), py::arg("exp_avg"),
          py::arg("exp_avg_sq"), py::arg("max_exp_avg_sq").none(true), py::arg("lr"),
          py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"),
          py::arg("step"), py::arg("amsgrad"), py::arg("maximize"), py::arg("decoupled"));
    m.def("rmsprop_step", &rmsprop_step, nogil(), py::arg("param"), py::arg("grad"),
          py::arg("square_avg"), py::arg("grad_avg").none(true),
          py::arg("momentum_buf").none(true), py::arg("lr"), py::arg("alpha"), py::arg("eps"),
          py::arg("weight_decay"), py::arg("momentum"), py::arg("centered"), py::arg("maximize"));
    m.def("adagrad_step", &adagrad_step, nogil(), py::arg("param"), py::arg("grad"),
          py::arg("state_sum"), py::arg("lr"), py::arg("lr_decay"), py::arg("weight_decay"),
          py::arg("eps"), py::arg("step"), py::arg("maximize"));
    m.def("optim_variants", &optim_variants);
    m.def("set_optim_variant", &set_optim_variant, py::arg("name"));
    m.def("get_optim_variant", &get_optim_variant);
}
