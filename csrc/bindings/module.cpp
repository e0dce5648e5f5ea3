// The extension module pydeepgen._C: exception translation and the registry
// of per-family binding functions.
#include <algorithm>
#include <string>
#include <vector>

#include "bindings/registry.h"
#include "core/error.h"

namespace pdg::bind {
namespace {
struct Entry {
    const char* name;
    int priority;
    BindFn fn;
};
std::vector<Entry>& entries() {
    static std::vector<Entry> e;
    return e;
}
}  // namespace

int add(const char* name, int priority, BindFn fn) {
    entries().push_back({name, priority, fn});
    return int(entries().size());
}

void run_all(py::module_& m) {
    auto e = entries();
    std::stable_sort(e.begin(), e.end(), [](const Entry& a, const Entry& b) {
        return a.priority != b.priority ? a.priority < b.priority : std::string(a.name) < b.name;
    });
    for (const auto& x : e) x.fn(m);
}

}  // namespace pdg::bind

PYBIND11_MODULE(_C, m) {
    m.doc() = "pydeepgen kernels (C++/CUDA). See docs/architecture.md.";
    // pdg::ValueError/IndexError/RuntimeError derive from the std exceptions
    // pybind11 already maps; TypeError needs its own translator.
    pybind11::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const pdg::TypeError& e) {
            PyErr_SetString(PyExc_TypeError, e.what());
        } catch (const pdg::MemoryError& e) {
            PyErr_SetString(PyExc_MemoryError, e.what());
        }
    });
    pdg::bind::run_all(m);
}
