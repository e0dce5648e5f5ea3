// AVX-512 instance of the gate math (rnn_cells.h): the same source, compiled
// with -mavx512f,... (CMake does that for *_avx512.cpp), so the `omp simd`
// loops run 16 floats wide. Called only after cpu_has_avx512().
#include "cpu/rnn_rows.h"

#define PDG_RNN_ISA avx512
#include "cpu/rnn_cells.h"

namespace pdg::rnn_detail {

const RowFns<float>& row_fns_avx512() {
    static const RowFns<float> fns = {avx512::lstm_fwd_rows<float>, avx512::lstm_bwd_rows<float>,
                                      avx512::gru_fwd_rows<float>,  avx512::gru_bwd_rows<float>,
                                      avx512::rnn_fwd_rows<float>,  avx512::rnn_bwd_rows<float>};
    return fns;
}

}  // namespace pdg::rnn_detail
