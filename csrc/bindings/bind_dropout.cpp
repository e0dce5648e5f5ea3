#include "bindings/registry.h"
#include "cpu/dropout.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(dropout, 50) {
    m.def("dropout_forward", &dropout_forward, nogil());
    m.def("dropout_backward", &dropout_backward, nogil());
}
