#include "bindings/registry.h"
#include "cpu/norm.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(norm, 50) {
    m.def("batchnorm_forward", &batchnorm_forward, nogil());
    m.def("batchnorm_backward", &batchnorm_backward, nogil());
    m.def("layernorm_forward", &layernorm_forward, nogil());
    m.def("layernorm_backward", &layernorm_backward, nogil());
    m.def("groupnorm_forward", &groupnorm_forward, nogil());
    m.def("groupnorm_backward", &groupnorm_backward, nogil());
    m.def("norm_variants", &norm_variants);
    m.def("set_norm_variant", &set_norm_variant);
    m.def("get_norm_variant", &get_norm_variant);
}
