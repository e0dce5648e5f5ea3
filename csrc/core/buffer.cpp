#include "core/buffer.h"

#include <limits>
#include <vector>

#include "core/allocator.h"

namespace pdg {

Buffer Buffer::empty(int64_t numel, DType dtype) {
    if (numel < 0) throw ValueError(str("empty: negative number of elements ", numel));
    const size_t isz = itemsize(dtype);
    if (uint64_t(numel) > std::numeric_limits<uint64_t>::max() / 64 / isz)
        throw MemoryError(str("empty: ", numel, " elements of ", isz, " bytes do not fit in memory"));
    auto st = std::make_shared<Storage>();
    st->nbytes = size_t(numel) * isz;
    st->data = cpu_alloc(st->nbytes, &st->bucket);
    st->release = [](Storage& s) { cpu_free(s.data, s.bucket); };
    return Buffer(std::move(st), 0, numel, dtype);
}

Buffer Buffer::slice(int64_t offset, int64_t numel) const {
    const int64_t cap = int64_t((st_->nbytes - byte_offset_) / itemsize(dtype_));
    if (offset < 0 || numel < 0 || offset + numel > cap)
        throw IndexError(str("Buffer.slice: window [", offset, ", ", offset + numel,
                             ") is outside a buffer of ", cap, " elements"));
    return Buffer(st_, byte_offset_ + size_t(offset) * itemsize(dtype_), numel, dtype_);
}

Buffer Buffer::view_as(DType dtype) const {
    if (itemsize(dtype) != itemsize(dtype_))
        throw TypeError(str("Buffer.view_as: cannot view ", dtype_name(dtype_), " as ",
                            dtype_name(dtype), " (different item sizes)"));
    return Buffer(st_, byte_offset_, numel_, dtype);
}

void check_buffer(const char* op, const char* name, const Buffer& b, int64_t numel, DType dtype) {
    if (b.dtype() != dtype)
        throw TypeError(str(op, ": ", name, " has dtype ", dtype_name(b.dtype()), ", expected ",
                            dtype_name(dtype)));
    check_buffer(op, name, b, numel);
}

void check_buffer(const char* op, const char* name, const Buffer& b, int64_t numel) {
    if (!b.storage()) throw ValueError(str(op, ": ", name, " is an empty Buffer handle"));
    if (b.numel() != numel)
        throw ValueError(str(op, ": ", name, " has ", b.numel(), " elements, the given sizes need ",
                             numel));
}

void check_same_dtype(const char* op, const Buffer& a, const Buffer& b) {
    if (a.dtype() != b.dtype())
        throw TypeError(str(op, ": dtype mismatch, ", dtype_name(a.dtype()), " vs ",
                            dtype_name(b.dtype())));
}

void check_cpu(const char* op, const Buffer& b) {
    if (b.device() != DeviceType::CPU)
        throw RuntimeError(str(op, ": expected a CPU buffer, got a CUDA one"));
}

int64_t checked_numel(const char* op, const std::vector<int64_t>& shape) {
    int64_t n = 1;
    for (int64_t s : shape) {
        if (s < 0) throw ValueError(str(op, ": negative dimension in shape ", shape_str(shape)));
        if (s != 0 && n > std::numeric_limits<int64_t>::max() / s)
            throw ValueError(str(op, ": shape ", shape_str(shape), " has too many elements"));
        n *= s;
    }
    return n;
}

}  // namespace pdg
