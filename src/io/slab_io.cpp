#include "io/slab_io.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <vector>

#include <fmt/format.h>
#include <nifti1_io.h>

#include "core/atomic_file.h"
#include "core/crop.h"
#include "core/error.h"

namespace scopemia::io {
namespace {

bool is_nifti(const std::string& path) {
  const std::string ext = full_extension(path);
  return ext == ".nii" || ext == ".nii.gz";
}

// ---------------------------------------------------------------- reading

class WholeVolumeReader : public SlabReader {
 public:
  WholeVolumeReader(const std::string& path, const ReadOptions& options)
      : info_(read_info(path, options)), volume_(read_volume(path, options)) {}
  const ImageInfo& info() const override { return info_; }
  Volume read(int64_t z0, int64_t z1) override {
    return crop(volume_, Region{Index3{0, 0, z0}, Size3{volume_.size().x, volume_.size().y, z1 - z0}});
  }
  bool streaming() const override { return false; }

 private:
  ImageInfo info_;
  Volume volume_;
};

template <typename T>
void convert_slice(const char* raw, int64_t n, bool swap, double slope, double inter, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, raw + i * sizeof(T), sizeof(T));
    if (swap) {
      auto* b = reinterpret_cast<unsigned char*>(&v);
      std::reverse(b, b + sizeof(T));
    }
    out[i] = static_cast<float>(double(v) * slope + inter);
  }
}

class NiftiSlabReader : public SlabReader {
 public:
  NiftiSlabReader(const std::string& path, const ReadOptions& options) : path_(path), info_(read_info(path, options)) {
    nim_ = nifti_image_read(path.c_str(), 0);
    if (!nim_) throw InputError(path, "cannot read NIfTI header");
    slice_voxels_ = info_.size.x * info_.size.y;
    bytes_per_voxel_ = nim_->nbyper;
    swap_ = nim_->byteorder != nifti_short_order();
    // Scaling as ITK applies it: scl_slope 0 means "no scaling".
    slope_ = nim_->scl_slope == 0.f ? 1.0 : nim_->scl_slope;
    inter_ = nim_->scl_slope == 0.f ? 0.0 : nim_->scl_inter;
    switch (nim_->datatype) {
      case NIFTI_TYPE_UINT8: case NIFTI_TYPE_INT8: case NIFTI_TYPE_UINT16: case NIFTI_TYPE_INT16:
      case NIFTI_TYPE_UINT32: case NIFTI_TYPE_INT32: case NIFTI_TYPE_FLOAT32: case NIFTI_TYPE_FLOAT64: break;
      default:
        throw InputError(path, fmt::format("NIfTI datatype {} cannot be streamed", nim_->datatype));
    }
    open();
  }
  ~NiftiSlabReader() override {
    if (file_) znzclose(file_);
    if (nim_) nifti_image_free(nim_);
  }
  const ImageInfo& info() const override { return info_; }
  bool streaming() const override { return true; }

  Volume read(int64_t z0, int64_t z1) override {
    if (z0 < 0 || z1 > info_.size.z || z0 >= z1) throw std::out_of_range("slab outside the volume");
    if (z0 < cache_z0_) {  // backwards: start again (gzip cannot seek back cheaply)
      cache_.clear();
      open();
    }
    while (!cache_.empty() && cache_z0_ < z0) {
      cache_.pop_front();
      ++cache_z0_;
    }
    if (cache_.empty()) cache_z0_ = std::max(z0, cache_z0_);
    if (cache_z0_ < z0) cache_z0_ = z0;
    while (cache_z0_ + int64_t(cache_.size()) < z1) read_slice(cache_z0_ + int64_t(cache_.size()));
    Volume out(Size3{info_.size.x, info_.size.y, z1 - z0}, info_.geometry.shifted_to(Index3{0, 0, z0}));
    out.set_source_pixel_type(info_.pixel_type);
    for (int64_t z = z0; z < z1; ++z)
      std::copy(cache_[z - cache_z0_].begin(), cache_[z - cache_z0_].end(), out.data() + (z - z0) * slice_voxels_);
    return out;
  }

 private:
  void open() {
    if (file_) znzclose(file_);
    file_ = znzopen(nim_->iname, "rb", nifti_is_gzfile(nim_->iname));
    if (znz_isnull(file_)) throw InputError(path_, "cannot open for reading");
    if (znzseek(file_, long(nim_->iname_offset), SEEK_SET) < 0) throw InputError(path_, "seek failed");
    next_in_file_ = 0;  // the file is positioned at slice 0
    cache_z0_ = 0;
  }
  void read_slice(int64_t z) {
    const int64_t bytes = slice_voxels_ * bytes_per_voxel_;
    const long offset = long(nim_->iname_offset) + long(z * bytes);
    if (z != next_in_file_ && znzseek(file_, offset, SEEK_SET) < 0) throw InputError(path_, "seek failed");
    raw_.resize(bytes);
    if (znzread(raw_.data(), 1, bytes, file_) != size_t(bytes))
      throw InputError(path_, fmt::format("truncated: slice {} is incomplete", z));
    next_in_file_ = z + 1;
    std::vector<float> slice(slice_voxels_);
    const char* r = raw_.data();
    float* s = slice.data();
    switch (nim_->datatype) {
      case NIFTI_TYPE_UINT8: convert_slice<uint8_t>(r, slice_voxels_, swap_, slope_, inter_, s); break;
      case NIFTI_TYPE_INT8: convert_slice<int8_t>(r, slice_voxels_, swap_, slope_, inter_, s); break;
      case NIFTI_TYPE_UINT16: convert_slice<uint16_t>(r, slice_voxels_, swap_, slope_, inter_, s); break;
      case NIFTI_TYPE_INT16: convert_slice<int16_t>(r, slice_voxels_, swap_, slope_, inter_, s); break;
      case NIFTI_TYPE_UINT32: convert_slice<uint32_t>(r, slice_voxels_, swap_, slope_, inter_, s); break;
      case NIFTI_TYPE_INT32: convert_slice<int32_t>(r, slice_voxels_, swap_, slope_, inter_, s); break;
      case NIFTI_TYPE_FLOAT32: convert_slice<float>(r, slice_voxels_, swap_, slope_, inter_, s); break;
      case NIFTI_TYPE_FLOAT64: convert_slice<double>(r, slice_voxels_, swap_, slope_, inter_, s); break;
    }
    cache_.push_back(std::move(slice));
  }

  std::string path_;
  ImageInfo info_;
  nifti_image* nim_ = nullptr;
  znzFile file_ = nullptr;
  int64_t slice_voxels_ = 0, bytes_per_voxel_ = 0, next_in_file_ = 0, cache_z0_ = 0;
  bool swap_ = false;
  double slope_ = 1, inter_ = 0;
  std::deque<std::vector<float>> cache_;
  std::vector<char> raw_;
};

// ---------------------------------------------------------------- writing

class WholeVolumeWriter : public SlabWriter {
 public:
  WholeVolumeWriter(std::string path, const Size3& size, const Geometry& g, PixelType type)
      : path_(std::move(path)), volume_(size, g), type_(type) {
    if (!can_write(path_)) throw InputError(path_, "unknown output format");
  }
  void write(int64_t z0, const Volume& slices) override {
    std::copy_n(slices.data(), slices.voxel_count(), volume_.data() + z0 * volume_.size().x * volume_.size().y);
  }
  void commit() override { write_volume(volume_, path_, type_); }
  bool streaming() const override { return false; }

 private:
  std::string path_;
  Volume volume_;
  PixelType type_;
};

class NiftiSlabWriter : public SlabWriter {
 public:
  NiftiSlabWriter(const std::string& path, const Size3& size, const Geometry& g, PixelType type)
      : target_(path), size_(size), type_(type) {
    int datatype;
    switch (type) {
      case PixelType::UInt8: datatype = NIFTI_TYPE_UINT8; break;
      case PixelType::Int16: datatype = NIFTI_TYPE_INT16; break;
      case PixelType::Float32: datatype = NIFTI_TYPE_FLOAT32; break;
      default: throw InputError(path, "streamed NIfTI output supports uint8, int16 and float32");
    }
    const int dims[8] = {3, int(size.x), int(size.y), int(size.z), 1, 1, 1, 1};
    nim_ = nifti_make_new_nim(dims, datatype, 0);
    // ITK's LPS geometry -> NIfTI's RAS affine (flip x and y), as qform and sform.
    mat44 m;
    for (int r = 0; r < 3; ++r) {
      const double flip = r < 2 ? -1.0 : 1.0;
      for (int c = 0; c < 3; ++c) m.m[r][c] = float(flip * g.direction[r * 3 + c] * g.spacing[c]);
      m.m[r][3] = float(flip * g.origin[r]);
    }
    m.m[3][0] = m.m[3][1] = m.m[3][2] = 0.f;
    m.m[3][3] = 1.f;
    float qb, qc, qd, qx, qy, qz, dx, dy, dz, qfac;
    nifti_mat44_to_quatern(m, &qb, &qc, &qd, &qx, &qy, &qz, &dx, &dy, &dz, &qfac);
    nim_->qform_code = nim_->sform_code = NIFTI_XFORM_SCANNER_ANAT;
    nim_->quatern_b = qb;
    nim_->quatern_c = qc;
    nim_->quatern_d = qd;
    nim_->qoffset_x = qx;
    nim_->qoffset_y = qy;
    nim_->qoffset_z = qz;
    nim_->qfac = qfac;
    nim_->dx = nim_->pixdim[1] = float(g.spacing[0]);
    nim_->dy = nim_->pixdim[2] = float(g.spacing[1]);
    nim_->dz = nim_->pixdim[3] = float(g.spacing[2]);
    nim_->qto_xyz = nim_->sto_xyz = m;
    nim_->xyz_units = NIFTI_UNITS_MM;
    if (nifti_set_filenames(nim_, target_.temp_path().c_str(), 0, 1) != 0)
      throw InputError(path, "cannot name the NIfTI output");
    file_ = nifti_image_write_hdr_img(nim_, 2, "wb");  // header written, file left open
    if (znz_isnull(file_)) throw InputError(path, "cannot open for writing");
  }
  ~NiftiSlabWriter() override {
    if (file_) znzclose(file_);
    if (nim_) nifti_image_free(nim_);
  }
  bool streaming() const override { return true; }

  void write(int64_t z0, const Volume& slices) override {
    if (z0 != next_) throw std::logic_error("slab writer: slices out of order");
    const int64_t n = slices.voxel_count();
    switch (type_) {
      case PixelType::UInt8: put<uint8_t>(slices.data(), n); break;
      case PixelType::Int16: put<int16_t>(slices.data(), n); break;
      default: put<float>(slices.data(), n); break;
    }
    next_ += slices.size().z;
  }
  void commit() override {
    if (next_ != size_.z) throw std::logic_error("slab writer: not every slice was written");
    const int closed = znzclose(file_);
    if (closed != 0) throw InputError(target_.target().string(), "write failed (disk full?)");
    target_.commit();
  }

 private:
  template <typename T>
  void put(const float* data, int64_t n) {
    std::vector<T> buffer(n);
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_integral<T>::value) {
        const double v = std::nearbyint(double(data[i]));
        buffer[i] = static_cast<T>(std::isnan(v) ? 0.0 : std::clamp(v, double(std::numeric_limits<T>::lowest()),
                                                                  double(std::numeric_limits<T>::max())));
      } else {
        buffer[i] = data[i];
      }
    }
    if (znzwrite(buffer.data(), sizeof(T), n, file_) != size_t(n))
      throw InputError(target_.target().string(), "write failed (disk full?)");
  }

  AtomicOutput target_;
  Size3 size_;
  PixelType type_;
  nifti_image* nim_ = nullptr;
  znzFile file_ = nullptr;
  int64_t next_ = 0;
};

}  // namespace

std::unique_ptr<SlabReader> open_slab_reader(const std::string& path, const ReadOptions& options) {
  if (is_nifti(path)) return std::make_unique<NiftiSlabReader>(path, options);
  return std::make_unique<WholeVolumeReader>(path, options);
}

std::unique_ptr<SlabWriter> create_slab_writer(const std::string& path, const Size3& size, const Geometry& geometry,
                                               PixelType pixel_type) {
  if (is_nifti(path) && (pixel_type == PixelType::UInt8 || pixel_type == PixelType::Int16 ||
                         pixel_type == PixelType::Float32))
    return std::make_unique<NiftiSlabWriter>(path, size, geometry, pixel_type);
  return std::make_unique<WholeVolumeWriter>(path, size, geometry, pixel_type);
}

}  // namespace scopemia::io
