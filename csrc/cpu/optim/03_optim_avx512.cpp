// Rung 03: the same loops compiled with AVX-512 (16 floats a vector, masked
// tails) and split across threads. Needs AVX-512 F/BW/VL/DQ (checked at run
// time). The sqrt and divide of Adam/RMSprop/Adagrad are the costliest
// instructions; 512-bit vectors halve their count against rung 02.
#include "cpu/optim/optim_loops.h"

namespace pdg::avx512 {

PDG_DEFINE_OPTIM_RUNG(optim_rung_03, "03_avx512", cpu_has_avx512, true);

}  // namespace pdg::avx512
