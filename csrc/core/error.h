// Errors raised by kernels and the core. Each type becomes a specific Python
// exception in csrc/bindings/module.cpp:
//   pdg::ValueError -> ValueError     pdg::TypeError  -> TypeError
//   pdg::IndexError -> IndexError     pdg::RuntimeError -> RuntimeError
//   pdg::MemoryError -> MemoryError (says how many bytes; std::bad_alloc too, bare)
// Messages always start with the op's name and say which shapes were involved,
// so a user reading the Python traceback knows what went wrong without C++.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace pdg {

struct ValueError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};
struct TypeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct IndexError : std::out_of_range {
    using std::out_of_range::out_of_range;
};
struct RuntimeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct MemoryError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

namespace detail {
inline void append(std::ostringstream&) {}
template <class T, class... Rest>
void append(std::ostringstream& os, const T& x, const Rest&... rest) {
    os << x;
    append(os, rest...);
}
}  // namespace detail

// str("conv2d: expected ", 4, "-d input") -> one string.
template <class... Args>
std::string str(const Args&... args) {
    std::ostringstream os;
    detail::append(os, args...);
    return os.str();
}

// "(2, 3, 4)" for error messages.
inline std::string shape_str(const std::vector<int64_t>& s) {
    std::ostringstream os;
    os << "(";
    for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
    if (s.size() == 1) os << ",";
    os << ")";
    return os.str();
}

}  // namespace pdg

#define PDG_CHECK(cond, ...) \
    do { if (!(cond)) throw ::pdg::ValueError(::pdg::str(__VA_ARGS__)); } while (0)
#define PDG_CHECK_TYPE(cond, ...) \
    do { if (!(cond)) throw ::pdg::TypeError(::pdg::str(__VA_ARGS__)); } while (0)
#define PDG_CHECK_INDEX(cond, ...) \
    do { if (!(cond)) throw ::pdg::IndexError(::pdg::str(__VA_ARGS__)); } while (0)
