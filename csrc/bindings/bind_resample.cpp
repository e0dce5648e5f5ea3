#include "bindings/registry.h"
#include "cpu/resample.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(resample, 50) {
    m.def("upsample_nearest2d_forward", &upsample_nearest2d_forward, nogil());
    m.def("upsample_nearest2d_backward", &upsample_nearest2d_backward, nogil());
    m.def("pad_constant_forward", &pad_constant_forward, nogil());
    m.def("pad_constant_backward", &pad_constant_backward, nogil());
}
