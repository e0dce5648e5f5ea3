// Rung 01: the optimizer loops compiled for the baseline ISA and run on one
// thread. The oracle the other rungs are tested against
// (tests/test_optim.py::test_kernel_variants_agree).
#include "cpu/optim/optim_loops.h"

namespace pdg::baseline {
namespace {
bool always() { return true; }
}  // namespace

PDG_DEFINE_OPTIM_RUNG(optim_rung_01, "01_reference", always, false);

}  // namespace pdg::baseline
