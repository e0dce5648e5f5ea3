// AVX-512 instance of the gate math (rnn_cells.h): the same source, compiled
// with -mavx512f,... (CMake does that for *_avx512.cpp), so the `omp simd`
// loops run 16 floats wide. Reached only through row_fns<float>() after
// cpu_has_avx512().
#include "cpu/rnn_rows.h"

#include "cpu/rnn_cells.h"

namespace pdg::avx512::rnn_cells {

const rnn_detail::RowFns<float> row_fns_f32 = {lstm_fwd_rows<float>, lstm_bwd_rows<float>,
                                               gru_fwd_rows<float>,  gru_bwd_rows<float>,
                                               rnn_fwd_rows<float>,  rnn_bwd_rows<float>};

}  // namespace pdg::avx512::rnn_cells
