// Scalar types. The integer codes are shared with pydeepgen/_dtype.py.
// Kernels are templated on the scalar type and instantiated through the
// PDG_DISPATCH_* macros, so every float kernel also exists in double (the
// gradient checks run on compiled code, not on a Python copy).
#pragma once
#include <cstddef>
#include <cstdint>
#include "core/error.h"

namespace pdg {

enum class DType : int { Float32 = 0, Float64 = 1, Int64 = 2, UInt8 = 3, Bool = 4 };

inline size_t itemsize(DType t) {
    switch (t) {
        case DType::Float32: return 4;
        case DType::Float64: return 8;
        case DType::Int64: return 8;
        case DType::UInt8: return 1;
        case DType::Bool: return 1;
    }
    return 0;
}

inline const char* dtype_name(DType t) {
    switch (t) {
        case DType::Float32: return "float32";
        case DType::Float64: return "float64";
        case DType::Int64: return "int64";
        case DType::UInt8: return "uint8";
        case DType::Bool: return "bool";
    }
    return "?";
}

inline bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64; }

template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };

}  // namespace pdg

// Usage: PDG_DISPATCH_FLOATING(buf.dtype, "exp", [&] { kernel<scalar_t>(...); });
#define PDG_DISPATCH_CASE_(ENUM, TYPE, ...) \
    case ::pdg::DType::ENUM: { using scalar_t = TYPE; return __VA_ARGS__(); }

#define PDG_DISPATCH_FLOATING(DT, NAME, ...)                                          \
    [&] {                                                                             \
        switch (DT) {                                                                 \
            PDG_DISPATCH_CASE_(Float32, float, __VA_ARGS__)                           \
            PDG_DISPATCH_CASE_(Float64, double, __VA_ARGS__)                          \
            default:                                                                  \
                throw ::pdg::TypeError(::pdg::str(NAME, ": expected a float32 or float64 tensor, got ", \
                                                  ::pdg::dtype_name(DT)));            \
        }                                                                             \
    }()

#define PDG_DISPATCH_NUMERIC(DT, NAME, ...)                                           \
    [&] {                                                                             \
        switch (DT) {                                                                 \
            PDG_DISPATCH_CASE_(Float32, float, __VA_ARGS__)                           \
            PDG_DISPATCH_CASE_(Float64, double, __VA_ARGS__)                          \
            PDG_DISPATCH_CASE_(Int64, int64_t, __VA_ARGS__)                           \
            PDG_DISPATCH_CASE_(UInt8, uint8_t, __VA_ARGS__)                           \
            default:                                                                  \
                throw ::pdg::TypeError(::pdg::str(NAME, ": unsupported dtype ",       \
                                                  ::pdg::dtype_name(DT)));            \
        }                                                                             \
    }()

#define PDG_DISPATCH_ALL(DT, NAME, ...)                                               \
    [&] {                                                                             \
        switch (DT) {                                                                 \
            PDG_DISPATCH_CASE_(Float32, float, __VA_ARGS__)                           \
            PDG_DISPATCH_CASE_(Float64, double, __VA_ARGS__)                          \
            PDG_DISPATCH_CASE_(Int64, int64_t, __VA_ARGS__)                           \
            PDG_DISPATCH_CASE_(UInt8, uint8_t, __VA_ARGS__)                           \
            PDG_DISPATCH_CASE_(Bool, bool, __VA_ARGS__)                               \
        }                                                                             \
        throw ::pdg::TypeError(::pdg::str(NAME, ": unknown dtype"));                  \
    }()
