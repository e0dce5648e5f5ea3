// Counter-based random numbers: Philox4x32-10 (Salmon et al., SC'11).
//
// A Generator is (seed, offset). Each random op that draws n values uses the
// counters offset .. offset + blocks(n) - 1, where one counter gives a block of
// four 32-bit words, and then advances offset. Element i of the op always comes
// from block i / per_block of that range, whichever thread computes it, so the
// same seed gives the same numbers for any thread count, and (seed, offset) is
// the whole state to save for bit-exact resume.
#pragma once
#include <array>
#include <cstdint>
#include <mutex>

namespace pdg {

struct Philox4x32 {
    static std::array<uint32_t, 4> block(uint64_t seed, uint64_t counter, uint64_t subsequence = 0) {
        uint32_t c0 = uint32_t(counter), c1 = uint32_t(counter >> 32);
        uint32_t c2 = uint32_t(subsequence), c3 = uint32_t(subsequence >> 32);
        uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
        for (int r = 0; r < 10; ++r) {
            const uint64_t p0 = uint64_t(0xD2511F53u) * c0;
            const uint64_t p1 = uint64_t(0xCD9E8D57u) * c2;
            const uint32_t n0 = uint32_t(p1 >> 32) ^ c1 ^ k0;
            const uint32_t n2 = uint32_t(p0 >> 32) ^ c3 ^ k1;
            c1 = uint32_t(p1);
            c3 = uint32_t(p0);
            c0 = n0;
            c2 = n2;
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        return {c0, c1, c2, c3};
    }
};

// [0, 1) from 24 (float) or 53 (double) random bits.
inline float uniform_float(uint32_t x) { return float(x >> 8) * (1.0f / 16777216.0f); }
inline double uniform_double(uint32_t hi, uint32_t lo) {
    const uint64_t x = (uint64_t(hi) << 32 | lo) >> 11;
    return double(x) * (1.0 / 9007199254740992.0);
}

class Generator {
  public:
    explicit Generator(uint64_t seed = 67280421310721ULL) : seed_(seed), offset_(0) {}
    void manual_seed(uint64_t seed) {
        std::lock_guard<std::mutex> l(mu_);
        seed_ = seed;
        offset_ = 0;
    }
    uint64_t seed() const { return seed_; }
    uint64_t offset() const { return offset_; }
    void set_state(uint64_t seed, uint64_t offset) {
        std::lock_guard<std::mutex> l(mu_);
        seed_ = seed;
        offset_ = offset;
    }
    // Reserves `blocks` counters; returns the first.
    uint64_t reserve(uint64_t blocks) {
        std::lock_guard<std::mutex> l(mu_);
        const uint64_t first = offset_;
        offset_ += blocks;
        return first;
    }

  private:
    std::mutex mu_;
    uint64_t seed_;
    uint64_t offset_;
};

Generator& default_generator();

}  // namespace pdg
