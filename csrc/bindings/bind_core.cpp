// Core bindings: Buffer, NumPy interop, allocator, threads, build info, RNG,
// copies and random fills.
#include <pybind11/numpy.h>

#include "bindings/registry.h"
#include "core/allocator.h"
#include "core/buffer.h"
#include "core/cpu_features.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "cpu/copy.h"
#include "cpu/random.h"

#ifndef PDG_VERSION
#define PDG_VERSION "dev"
#endif
#ifndef PDG_COMPILER
#define PDG_COMPILER "unknown"
#endif

namespace pdg {
#ifdef PDG_WITH_CUDA
std::string cuda_runtime_status(int* device_count);  // csrc/cuda/runtime.cu
#endif
}

namespace pdg::bind {
namespace {

DType dtype_from_numpy(const py::dtype& dt) {
    const char k = dt.kind();
    const auto sz = dt.itemsize();
    if (k == 'f' && sz == 4) return DType::Float32;
    if (k == 'f' && sz == 8) return DType::Float64;
    if (k == 'i' && sz == 8) return DType::Int64;
    if (k == 'u' && sz == 1) return DType::UInt8;
    if (k == 'b' && sz == 1) return DType::Bool;
    throw TypeError(str("from_numpy: NumPy dtype ", std::string(py::str(dt)),
                        " has no pydeepgen equivalent (float32, float64, int64, uint8, bool)"));
}

py::dtype numpy_dtype(DType t) {
    switch (t) {
        case DType::Float32: return py::dtype::of<float>();
        case DType::Float64: return py::dtype::of<double>();
        case DType::Int64: return py::dtype::of<int64_t>();
        case DType::UInt8: return py::dtype::of<uint8_t>();
        case DType::Bool: return py::dtype::of<bool>();
    }
    return py::dtype::of<float>();
}

// Wraps a NumPy array's memory (no copy). Returns the buffer, the element
// offset of a[0,...,0] in it and the element strides. Strides must be
// non-negative multiples of the item size (Python copies otherwise).
py::tuple buffer_from_numpy(py::array arr) {
    const DType dt = dtype_from_numpy(arr.dtype());
    const int64_t isz = int64_t(itemsize(dt));
    const int nd = int(arr.ndim());
    std::vector<int64_t> strides(static_cast<size_t>(nd), 0);
    int64_t extent = 1;  // elements spanned
    bool empty = false;
    for (int d = 0; d < nd; ++d) {
        const int64_t sb = int64_t(arr.strides(d));
        if (arr.shape(d) == 0) empty = true;
        if (sb < 0 || sb % isz != 0)
            throw ValueError("from_numpy: negative or unaligned strides need a copy");
        strides[size_t(d)] = sb / isz;
        extent += (int64_t(arr.shape(d)) - 1) * strides[size_t(d)];
    }
    if (empty) extent = 0;
    auto st = std::make_shared<Storage>();
    st->data = const_cast<void*>(arr.data());
    st->nbytes = size_t(extent) * size_t(isz);
    auto* keep = new py::object(arr);  // keeps the array alive
    st->release = [keep](Storage&) {
        py::gil_scoped_acquire gil;
        delete keep;
    };
    return py::make_tuple(Buffer(std::move(st), 0, extent, dt), py::cast(strides));
}

}  // namespace
}  // namespace pdg::bind

using namespace pdg;
using namespace pdg::bind;

PDG_BINDINGS(core, 0) {
    py::class_<Buffer>(m, "Buffer", "A typed window onto device memory (see csrc/core/buffer.h).")
        .def_property_readonly("numel", &Buffer::numel)
        .def_property_readonly("dtype", [](const Buffer& b) { return int(b.dtype()); })
        .def_property_readonly("device", [](const Buffer& b) { return int(b.device()); })
        .def_property_readonly("nbytes", &Buffer::nbytes)
        .def_property_readonly("version", &Buffer::version)
        .def_property_readonly("data_ptr", [](const Buffer& b) { return reinterpret_cast<uintptr_t>(b.raw()); })
        .def("bump_version", &Buffer::bump_version)
        .def("slice", &Buffer::slice, py::arg("offset"), py::arg("numel"))
        .def("same_storage", &Buffer::same_storage)
        .def("numpy",
             [](const Buffer& b, const std::vector<int64_t>& shape, const std::vector<int64_t>& strides,
                int64_t offset) {
                 check_cpu("numpy", b);
                 check_view("numpy", b, shape, strides, offset);
                 std::vector<py::ssize_t> sb(strides.size());
                 const auto isz = py::ssize_t(itemsize(b.dtype()));
                 for (size_t i = 0; i < strides.size(); ++i) sb[i] = py::ssize_t(strides[i]) * isz;
                 std::vector<py::ssize_t> sh(shape.begin(), shape.end());
                 char* ptr = static_cast<char*>(b.raw()) + offset * isz;
                 return py::array(numpy_dtype(b.dtype()), sh, sb, ptr, py::cast(b));
             })
        .def("__repr__", [](const Buffer& b) {
            return str("<Buffer ", b.numel(), " x ", dtype_name(b.dtype()),
                       b.device() == DeviceType::CPU ? " cpu>" : " cuda>");
        });

    m.def("empty", [](int64_t n, int dt) { return Buffer::empty(n, DType(dt)); }, py::arg("numel"),
          py::arg("dtype"));
    m.def("from_numpy", &buffer_from_numpy, py::arg("array"));
    m.def("full", [](int64_t n, double value, int dt) {
        Buffer b = Buffer::empty(n, DType(dt));
        fill_strided(b, {n}, {1}, 0, value);
        return b;
    }, py::arg("numel"), py::arg("value"), py::arg("dtype"));
    m.def("itemsize", [](int dt) { return itemsize(DType(dt)); });

    py::enum_<DType>(m, "DType")
        .value("float32", DType::Float32).value("float64", DType::Float64)
        .value("int64", DType::Int64).value("uint8", DType::UInt8).value("bool", DType::Bool);

    // Allocator
    m.def("allocator_stats", [] {
        auto s = cpu_allocator_stats();
        py::dict d;
        d["allocated_bytes"] = s.allocated_bytes;
        d["cached_bytes"] = s.cached_bytes;
        d["peak_allocated_bytes"] = s.peak_allocated_bytes;
        d["num_allocs"] = s.num_allocs;
        d["num_cache_hits"] = s.num_cache_hits;
        return d;
    });
    m.def("empty_cache", &cpu_empty_cache);
    m.def("set_cache_limit", &cpu_set_cache_limit);

    // Threads and build configuration
    m.def("get_num_threads", &get_num_threads);
    m.def("set_num_threads", &set_num_threads);
    // SIMD dispatch cap (core/cpu_features.h): "auto" | "baseline" | "avx2" | "avx512".
    m.def("set_simd_level", py::overload_cast<const std::string&>(&set_simd_level),
          py::arg("level"));
    m.def("get_simd_level", &cpu_simd_level);
    m.def("simd_detected", [] { return std::string(simd_level_name(cpu_simd_detected())); });
    m.def("build_config", [] {
        py::dict d;
        d["version"] = PDG_VERSION;
        d["compiler"] = PDG_COMPILER;
        d["openmp"] = openmp_enabled();
        d["simd"] = cpu_simd_level();  // the level kernels use now
        d["simd_detected"] = simd_level_name(cpu_simd_detected());
        d["x86_simd_compiled"] = bool(PDG_X86_SIMD);
        d["avx2"] = cpu_has_avx2_fma();
        d["avx512"] = cpu_has_avx512();
#ifdef PDG_WITH_CUDA
        d["cuda_compiled"] = true;
        d["cuda_version"] = PDG_CUDA_VERSION;
#else
        d["cuda_compiled"] = false;
        d["cuda_version"] = py::none();
#endif
        return d;
    });
    m.def("cuda_status", []() -> py::tuple {
        // (usable, device_count, reason)
#ifdef PDG_WITH_CUDA
        int count = 0;
        std::string err = cuda_runtime_status(&count);
        if (!err.empty()) return py::make_tuple(false, 0, std::string(err));
        if (count == 0)
            return py::make_tuple(false, 0, std::string("CUDA compiled in, but no CUDA device was found"));
        return py::make_tuple(true, int(count), std::string("ok"));
#else
        return py::make_tuple(false, int(0),
                              std::string("not compiled: this build has no CUDA backend (no CUDA compiler "
                                          "was found at build time, or PYDEEPGEN_CUDA=OFF)"));
#endif
    });

    // RNG
    py::class_<Generator, std::shared_ptr<Generator>>(m, "Generator")
        .def(py::init<uint64_t>(), py::arg("seed") = 67280421310721ULL)
        .def("manual_seed", &Generator::manual_seed)
        .def("seed", &Generator::seed)
        .def("offset", &Generator::offset)
        .def("set_state", &Generator::set_state);
    m.def("default_generator", [] {
        return std::shared_ptr<Generator>(&default_generator(), [](Generator*) {});
    });

    // Copies
    m.def("copy_strided", &copy_strided, nogil(), py::arg("dst"), py::arg("shape"),
          py::arg("dst_strides"), py::arg("dst_offset"), py::arg("src"), py::arg("src_strides"),
          py::arg("src_offset"));
    m.def("fill_strided", &fill_strided, nogil(), py::arg("dst"), py::arg("shape"),
          py::arg("strides"), py::arg("offset"), py::arg("value"));

    // Random fills
    m.def("uniform_fill", &uniform_fill, nogil());
    m.def("normal_fill", &normal_fill, nogil());
    m.def("randint_fill", &randint_fill, nogil());
    m.def("bernoulli_fill", &bernoulli_fill, nogil());
    m.def("randperm_fill", &randperm_fill, nogil());
}
