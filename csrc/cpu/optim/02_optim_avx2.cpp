// Rung 02: the same loops compiled with -mavx2 -mfma (8 floats a vector) and
// split across threads. Needs AVX2+FMA (checked at run time). FMA contraction
// changes the last bit of some results compared with rung 01.
#include "cpu/optim/optim_loops.h"

namespace pdg::avx2 {

PDG_DEFINE_OPTIM_RUNG(optim_rung_02, "02_avx2", cpu_has_avx2_fma, true);

}  // namespace pdg::avx2
