#include "bindings/registry.h"
#include "cpu/embedding.h"

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(embedding, 50) {
    m.def("embedding_forward", &embedding_forward, nogil());
    m.def("embedding_backward", &embedding_backward, nogil());
}
