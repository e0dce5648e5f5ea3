// CUDA entry points. Compiled on every build; without the CUDA backend the
// functions raise a RuntimeError that says why.
#include <pybind11/numpy.h>

#include "bindings/registry.h"
#include "core/error.h"

namespace pdg {
#ifdef PDG_WITH_CUDA
std::string cuda_add_selftest(const float* a, const float* b, float* out, long long n);
#endif
}

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(cuda, 90) {
    m.def("cuda_add_selftest",
          [](py::array_t<float, py::array::c_style | py::array::forcecast> a,
             py::array_t<float, py::array::c_style | py::array::forcecast> b) {
              PDG_CHECK(a.size() == b.size(), "cuda_add_selftest: sizes differ (", a.size(), " vs ", b.size(), ")");
              py::array_t<float> out(a.size());
#ifdef PDG_WITH_CUDA
              std::string err;
              {
                  py::gil_scoped_release nogil;
                  err = cuda_add_selftest(a.data(), b.data(), out.mutable_data(), (long long)a.size());
              }
              if (!err.empty()) throw RuntimeError("cuda_add_selftest: " + err);
              return out;
#else
              throw RuntimeError("cuda_add_selftest: this build has no CUDA backend");
#endif
          });
}
