#pragma once
// A 3D image: a contiguous voxel buffer with its physical geometry.
// Memory layout is x fastest, then y, then z — ITK's layout and the row-major
// layout of a tensor of shape [D,H,W] — so both views share the buffer
// without copies (see core/tensor_bridge.h).
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/geometry.h"
#include "core/pixel_type.h"

namespace scopemia {

template <typename T>
class Image {
 public:
  using value_type = T;

  Image() = default;
  Image(Size3 size, Geometry geometry, T fill = T{})
      : size_(size),
        geometry_(geometry),
        data_(std::make_shared<std::vector<T>>(static_cast<size_t>(size.count()), fill)) {
    if (size.x < 0 || size.y < 0 || size.z < 0) throw std::invalid_argument("negative image size");
  }

  const Size3& size() const { return size_; }
  int64_t depth() const { return size_.z; }   // D
  int64_t height() const { return size_.y; }  // H
  int64_t width() const { return size_.x; }   // W
  int64_t voxel_count() const { return size_.count(); }
  bool empty() const { return voxel_count() == 0; }

  const Geometry& geometry() const { return geometry_; }
  void set_geometry(const Geometry& g) { geometry_ = g; }

  // The type the voxels were stored as on disk (what `convert` writes back).
  PixelType source_pixel_type() const { return source_pixel_type_; }
  void set_source_pixel_type(PixelType t) { source_pixel_type_ = t; }

  T* data() { return data_ ? data_->data() : nullptr; }
  const T* data() const { return data_ ? data_->data() : nullptr; }
  // The buffer itself, so a tensor view can keep it alive.
  std::shared_ptr<std::vector<T>> buffer() const { return data_; }

  int64_t offset(int64_t x, int64_t y, int64_t z) const { return (z * size_.y + y) * size_.x + x; }
  T& at(int64_t x, int64_t y, int64_t z) { return (*data_)[offset(x, y, z)]; }
  const T& at(int64_t x, int64_t y, int64_t z) const { return (*data_)[offset(x, y, z)]; }
  T& operator[](int64_t i) { return (*data_)[i]; }
  const T& operator[](int64_t i) const { return (*data_)[i]; }

  bool contains(const Index3& i) const {
    return i.x >= 0 && i.y >= 0 && i.z >= 0 && i.x < size_.x && i.y < size_.y && i.z < size_.z;
  }
  Region full_region() const { return Region{Index3{}, size_}; }

  // An independent copy (the default copy shares the buffer, like a tensor).
  Image clone() const {
    Image out(size_, geometry_);
    if (data_) *out.data_ = *data_;
    out.source_pixel_type_ = source_pixel_type_;
    return out;
  }

 private:
  Size3 size_;
  Geometry geometry_;
  std::shared_ptr<std::vector<T>> data_ = std::make_shared<std::vector<T>>();
  PixelType source_pixel_type_ = std::is_same<T, uint8_t>::value ? PixelType::UInt8 : PixelType::Float32;
};

// Intensities: float32, any modality (CT in HU after rescale slope/intercept).
using Volume = Image<float>;
// Segmentations: one label per voxel, 0 = background.
using LabelMap = Image<uint8_t>;

}  // namespace scopemia
