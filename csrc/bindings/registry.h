// Each bind_<family>.cpp registers itself here, so adding an op family never
// edits a shared file:
//
//   PDG_BINDINGS(conv, 50) { m.def("conv2d_forward", ...); }
//
// module.cpp runs the registered functions in order of priority (core first).
// Bindings only bind: argument conversion, GIL release, no math.
#pragma once
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace pdg::bind {

namespace py = pybind11;
using BindFn = void (*)(py::module_&);
int add(const char* name, int priority, BindFn fn);
void run_all(py::module_& m);

// Release the GIL for the duration of a kernel call.
using nogil = py::call_guard<py::gil_scoped_release>;

}  // namespace pdg::bind

#define PDG_BINDINGS(NAME, PRIORITY)                                                      \
    static void pdg_bind_##NAME(pybind11::module_& m);                                    \
    [[maybe_unused]] static const int pdg_bind_reg_##NAME =                               \
        ::pdg::bind::add(#NAME, PRIORITY, &pdg_bind_##NAME);                              \
    static void pdg_bind_##NAME(pybind11::module_& m)
