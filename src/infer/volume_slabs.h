#pragma once
// Sliding-window sources and sinks over files: slices stream from a
// SlabReader and to a SlabWriter, so whole-volume inference holds only a
// window's worth of slices (io/slab_io.h for which formats stream).
#include "infer/sliding_window.h"
#include "io/slab_io.h"

namespace scopemia::infer {

// One input channel [1, n, H, W] from the reader.
class VolumeSlabSource : public SlabSource {
 public:
  explicit VolumeSlabSource(io::SlabReader& reader) : reader_(reader) {}
  int64_t channels() const override { return 1; }
  int64_t depth() const override { return reader_.info().size.z; }
  int64_t height() const override { return reader_.info().size.y; }
  int64_t width() const override { return reader_.info().size.x; }
  torch::Tensor read(int64_t z0, int64_t z1) override;

 private:
  io::SlabReader& reader_;
};

// Channel `channel` of the fused output to the writer, with the input's geometry.
class VolumeSlabSink : public SlabSink {
 public:
  VolumeSlabSink(io::SlabWriter& writer, const Geometry& geometry, int64_t channel = 0)
      : writer_(writer), geometry_(geometry), channel_(channel) {}
  void write(int64_t z0, const torch::Tensor& slices) override;

 private:
  io::SlabWriter& writer_;
  Geometry geometry_;
  int64_t channel_;
};

}  // namespace scopemia::infer
