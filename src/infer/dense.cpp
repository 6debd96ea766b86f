#include "infer/dense.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include <torch/torch.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/tensor_bridge.h"
#include "imaging/itk_filters.h"
#include "infer/volume_slabs.h"
#include "io/slab_io.h"

namespace scopemia::infer {

namespace {

// The input's slabs, intensity-mapped on the way in.
class MappedSource : public SlabSource {
 public:
  MappedSource(io::SlabReader& reader, const IntensityMapping& mapping) : inner_(reader), mapping_(mapping) {}
  int64_t channels() const override { return 1; }
  int64_t depth() const override { return inner_.depth(); }
  int64_t height() const override { return inner_.height(); }
  int64_t width() const override { return inner_.width(); }
  torch::Tensor read(int64_t z0, int64_t z1) override { return mapping_.apply(inner_.read(z0, z1)); }

 private:
  VolumeSlabSource inner_;
  const IntensityMapping& mapping_;
};

// Channel 0 of the fused output, optionally mapped back, to the writer.
class MappedSink : public SlabSink {
 public:
  MappedSink(io::SlabWriter& writer, const Geometry& geometry, const IntensityMapping* inverse, Progress* progress)
      : inner_(writer, geometry, 0), inverse_(inverse), progress_(progress) {}
  void write(int64_t z0, const torch::Tensor& slices) override {
    inner_.write(z0, inverse_ ? inverse_->invert(slices) : slices);
    if (progress_) progress_->advance(slices.size(1));
  }

 private:
  VolumeSlabSink inner_;
  const IntensityMapping* inverse_;
  Progress* progress_;
};

// The fused output back into memory (the input is an infer::TensorSource).
struct TensorSink : SlabSink {
  torch::Tensor out;  // [D, H, W], channel 0
  Progress* progress = nullptr;
  void write(int64_t z0, const torch::Tensor& slices) override {
    out.narrow(0, z0, slices.size(1)).copy_(slices[0]);
    if (progress) progress->advance(slices.size(1));
  }
};

}  // namespace

IntensityMapping intensity_mapping(const data::PreprocessOptions& options, const std::string& image,
                                   const io::ReadOptions& read) {
  IntensityMapping m = data::intensity_options(options);
  if (m.mode == data::IntensityMode::kZScore) {
    auto reader = io::open_slab_reader(image, read);
    const int64_t D = reader->info().size.z;
    double sum = 0, sum2 = 0;
    for (int64_t z = 0; z < D; z += 16) data::accumulate_intensity(reader->read(z, std::min(D, z + 16)), sum, sum2);
    m.set_statistics(sum, sum2, double(reader->info().size.x) * double(reader->info().size.y) * double(D));
  }
  return m;
}

void model_grid(const Geometry& g, const Size3& size, const Vec3& spacing, Geometry& out_geometry, Size3& out_size) {
  out_geometry = g;
  int64_t n[3] = {size.x, size.y, size.z};
  for (int a = 0; a < 3; ++a) {
    if (spacing[a] <= 0) continue;
    n[a] = std::max<int64_t>(1, std::llround(double(n[a]) * g.spacing[a] / spacing[a]));
    out_geometry.spacing[a] = spacing[a];
  }
  out_size = Size3{n[0], n[1], n[2]};
  // The box's corner stays: the first voxel's centre moves by half the change of spacing.
  const Vec3 shift{0.5 * (out_geometry.spacing[0] - g.spacing[0]) / g.spacing[0],
                   0.5 * (out_geometry.spacing[1] - g.spacing[1]) / g.spacing[1],
                   0.5 * (out_geometry.spacing[2] - g.spacing[2]) / g.spacing[2]};
  out_geometry.origin = g.index_to_physical(shift);
}

DenseInferenceReport infer_dense(const std::string& image, const std::string& output, const WindowModel& model,
                                 const DenseInferenceOptions& o) {
  const std::string ext = full_extension(output);
  if (ext != ".nii" && ext != ".nii.gz" && ext != ".nrrd" && ext != ".nhdr" && ext != ".mha" && ext != ".mhd")
    throw InputError(output, "output must be a float32 volume format (.nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd)");
  DenseInferenceReport report;
  auto reader = io::open_slab_reader(image, o.read);
  const io::ImageInfo info = reader->info();
  const Vec3& in = info.geometry.spacing;
  Vec3 target = in;
  for (int a = 0; a < 3; ++a) {
    if (o.preprocess.spacing[a] <= 0) continue;
    target[a] = o.preprocess.spacing[a];
    if (std::abs(target[a] - in[a]) > o.spacing_tolerance * std::max(target[a], in[a])) report.resampled = true;
  }
  report.model_spacing = target;

  if (!report.resampled) {  // everything streams: peak memory independent of the depth
    const IntensityMapping mapping = intensity_mapping(o.preprocess, image, o.read);
    if (mapping.mode == data::IntensityMode::kZScore) reader = io::open_slab_reader(image, o.read);  // a fresh pass
    auto writer = io::create_slab_writer(output, info.size, info.geometry, PixelType::Float32);
    MappedSource source(*reader, mapping);
    std::optional<Progress> progress;
    if (o.progress) progress.emplace("slices", info.size.z);
    MappedSink sink(*writer, info.geometry, o.invert_intensity ? &mapping : nullptr, progress ? &*progress : nullptr);
    sliding_window(source, sink, model, o.window);
    if (progress) progress->finish();
    writer->commit();
    report.streamed = reader->streaming() && writer->streaming();
    return report;
  }

  // Resampling to the model's spacing and back: the volume is held in memory.
  const Volume raw = reader->read(0, info.size.z);
  reader.reset();
  Geometry mg;
  Size3 ms;
  model_grid(info.geometry, info.size, o.preprocess.spacing, mg, ms);
  const Volume on_model =
      imaging::resample(raw, imaging::Grid{ms, mg}, imaging::Interpolator::Linear, o.preprocess.pad_value);
  const IntensityMapping mapping = data::intensity_mapping(o.preprocess, on_model);
  TensorSource source(mapping.apply(as_tensor(on_model)).unsqueeze(0));  // [1, D', H', W']
  TensorSink sink;
  sink.out = torch::empty({ms.z, ms.y, ms.x});
  std::optional<Progress> progress;
  if (o.progress) progress.emplace("slices", ms.z);
  sink.progress = progress ? &*progress : nullptr;
  sliding_window(source, sink, model, o.window);
  if (progress) progress->finish();
  torch::Tensor y = sink.out;
  if (o.invert_intensity) y = mapping.invert(y);
  // One replicated voxel around the model grid, so the input's edge voxels
  // (whose centres may lie up to half a model voxel outside it) interpolate.
  y = torch::nn::functional::pad(y.unsqueeze(0).unsqueeze(0),
                                 torch::nn::functional::PadFuncOptions({1, 1, 1, 1, 1, 1}).mode(torch::kReplicate))[0][0];
  const Volume padded = volume_from_tensor(y, mg.shifted_to(Index3{-1, -1, -1}));
  // On the input's grid, its geometry exactly as read (resample keeps the grid's).
  const Volume out =
      imaging::resample(padded, imaging::Grid{info.size, info.geometry}, imaging::Interpolator::Linear, 0.0);
  io::write_volume(out, output, PixelType::Float32);
  return report;
}

}  // namespace scopemia::infer
