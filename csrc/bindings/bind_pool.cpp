#include "bindings/registry.h"
#include "cpu/pool.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(pool, 50) {
    m.def("maxpool2d_forward", &maxpool2d_forward, nogil());
    m.def("maxpool2d_backward", &maxpool2d_backward, nogil());
    m.def("avgpool2d_forward", &avgpool2d_forward, nogil());
    m.def("avgpool2d_backward", &avgpool2d_backward, nogil());
    m.def("adaptive_avgpool2d_forward", &adaptive_avgpool2d_forward, nogil());
    m.def("adaptive_avgpool2d_backward", &adaptive_avgpool2d_backward, nogil());
    m.def("adaptive_maxpool2d_forward", &adaptive_maxpool2d_forward, nogil());
}
