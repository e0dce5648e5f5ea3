// Rung 01: the optimizer loops compiled for the x86-64 baseline (SSE2) and
// run on one thread. The oracle the other rungs are tested against
// (tests/test_optim.py::test_kernel_variants_agree).
#include "cpu/optim/optim_loops.h"

namespace pdg {
namespace {
bool always() { return true; }
}  // namespace

OptimRung optim_rung_01_reference() { return make_rung("01_reference", always, false); }

}  // namespace pdg
