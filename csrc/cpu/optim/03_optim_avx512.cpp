// Rung 03: the same loops compiled with AVX-512 (16 floats a vector, masked
// tails) and split across threads. Needs AVX-512 F/BW/VL/DQ (checked at run
// time). The sqrt and divide of Adam/RMSprop/Adagrad are the costliest
// instructions; 512-bit vectors halve their count against rung 02.
#include "core/cpu_features.h"
#include "cpu/optim/optim_loops.h"

namespace pdg {

OptimRung optim_rung_03_avx512() { return make_rung("03_avx512", cpu_has_avx512, true); }

}  // namespace pdg
