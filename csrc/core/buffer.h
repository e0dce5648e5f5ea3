// Buffer: the only thing C++ owns of a tensor.
//
// A Storage is a block of memory on one device with a version counter (bumped
// by every in-place write, so autograd can detect a saved tensor that was
// modified). A Buffer is a typed window onto a Storage: byte offset, element
// count, dtype. Python's Tensor owns shape, strides, offset and views
// (pydeepgen/_tensor.py); kernels receive Buffers plus explicit sizes.
//
// Memory comes from the caching allocator (64-byte aligned) or wraps a NumPy
// array without copying (any alignment: kernels use unaligned loads).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/dtype.h"
#include "core/error.h"

namespace pdg {

enum class DeviceType : int { CPU = 0, CUDA = 1 };

struct Storage {
    void* data = nullptr;
    size_t nbytes = 0;
    size_t bucket = 0;                       // allocator bucket (0 when not ours)
    DeviceType device = DeviceType::CPU;
    int64_t version = 0;
    std::function<void(Storage&)> release;   // frees `data`
    ~Storage() {
        if (release) release(*this);
    }
};

class Buffer {
  public:
    Buffer() = default;
    Buffer(std::shared_ptr<Storage> st, size_t byte_offset, int64_t numel, DType dtype)
        : st_(std::move(st)), byte_offset_(byte_offset), numel_(numel), dtype_(dtype) {}

    // New uninitialised CPU buffer from the caching allocator.
    static Buffer empty(int64_t numel, DType dtype);

    template <class T>
    T* data() const { return reinterpret_cast<T*>(static_cast<char*>(st_->data) + byte_offset_); }
    void* raw() const { return static_cast<char*>(st_->data) + byte_offset_; }

    int64_t numel() const { return numel_; }
    DType dtype() const { return dtype_; }
    DeviceType device() const { return st_->device; }
    size_t nbytes() const { return size_t(numel_) * itemsize(dtype_); }
    size_t byte_offset() const { return byte_offset_; }
    int64_t version() const { return st_->version; }
    void bump_version() { st_->version++; }
    const std::shared_ptr<Storage>& storage() const { return st_; }
    bool same_storage(const Buffer& o) const { return st_ == o.st_; }

    // A window of `numel` elements starting `offset` elements into this one.
    Buffer slice(int64_t offset, int64_t numel) const;
    // The same bytes seen as another dtype of the same itemsize.
    Buffer view_as(DType dtype) const;

  private:
    std::shared_ptr<Storage> st_;
    size_t byte_offset_ = 0;
    int64_t numel_ = 0;
    DType dtype_ = DType::Float32;
};

// Argument checks every kernel runs before it touches memory.
void check_buffer(const char* op, const char* name, const Buffer& b, int64_t numel, DType dtype);
void check_buffer(const char* op, const char* name, const Buffer& b, int64_t numel);
void check_same_dtype(const char* op, const Buffer& a, const Buffer& b);
void check_cpu(const char* op, const Buffer& b);
// numel of a shape with overflow and negativity checks.
int64_t checked_numel(const char* op, const std::vector<int64_t>& shape);

}  // namespace pdg
