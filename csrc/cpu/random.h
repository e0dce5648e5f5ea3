#pragma once
#include "core/buffer.h"
#include "core/rng.h"

namespace pdg {

// Random fills. Each overwrites every element of `out` (contiguous) with
// values from Philox counters reserved on `gen` (see core/rng.h): the result
// depends only on the generator state, not on the number of threads.
void uniform_fill(Buffer& out, double low, double high, Generator& gen);
void normal_fill(Buffer& out, double mean, double std, Generator& gen);
void randint_fill(Buffer& out, int64_t low, int64_t high, Generator& gen);  // [low, high)
void bernoulli_fill(Buffer& out, double p, Generator& gen);                 // 1 with prob. p
// out[0..n) = a uniformly random permutation of 0..n-1 (int64).
void randperm_fill(Buffer& out, Generator& gen);

}  // namespace pdg
