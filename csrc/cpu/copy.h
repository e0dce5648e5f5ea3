#pragma once
#include <vector>
#include "core/buffer.h"

namespace pdg {

// copy_strided: dst[view] = cast(src[view]) for two strided views of one shape.
// Args:
//   dst, src          buffers; dtypes may differ (the copy casts; float->int
//                     truncates toward zero, anything->bool is `!= 0`)
//   shape             the common shape of both views
//   dst_strides/off   element strides and offset of the destination view
//   src_strides/off   element strides and offset of the source view; a
//                     stride of 0 broadcasts
// Both views must lie inside their buffers (checked). Overlapping src/dst is
// the caller's job to avoid (Python clones first).
void copy_strided(Buffer& dst, const std::vector<int64_t>& shape,
                  const std::vector<int64_t>& dst_strides, int64_t dst_offset, const Buffer& src,
                  const std::vector<int64_t>& src_strides, int64_t src_offset);

// fill_strided: dst[view] = value (cast to dst's dtype).
void fill_strided(Buffer& dst, const std::vector<int64_t>& shape,
                  const std::vector<int64_t>& strides, int64_t offset, double value);

// Checks that a strided view (shape, strides, offset) stays inside `b`.
void check_view(const char* op, const Buffer& b, const std::vector<int64_t>& shape,
                const std::vector<int64_t>& strides, int64_t offset);

}  // namespace pdg
