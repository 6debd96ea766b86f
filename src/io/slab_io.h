#pragma once
// Slab-wise (a few slices at a time) reading and writing of volumes, so work
// over whole volumes (sliding-window inference) runs in memory that does not
// grow with the number of slices. NIfTI (.nii, .nii.gz) streams from and to
// disk; other formats are read or written whole (documented in docs/io.md).
#include <memory>
#include <optional>
#include <string>

#include "core/image.h"
#include "io/image_io.h"

namespace scopemia::io {

class SlabReader {
 public:
  virtual ~SlabReader() = default;
  // Size, geometry and stored pixel type of the whole volume.
  virtual const ImageInfo& info() const = 0;
  // Slices [z0, z1) as a Volume whose geometry places them where they are in
  // the whole volume. Reading forward (windows in depth order) never rereads
  // the file; the slices kept back are those of the last request.
  virtual Volume read(int64_t z0, int64_t z1) = 0;
  // True when the file is read slab by slab rather than whole.
  virtual bool streaming() const = 0;
};

std::unique_ptr<SlabReader> open_slab_reader(const std::string& path, const ReadOptions& options = {});

class SlabWriter {
 public:
  virtual ~SlabWriter() = default;
  // Slices must come in order, starting at 0, each once.
  virtual void write(int64_t z0, const Volume& slices) = 0;
  // After the last slice: renames the finished file into place. Without
  // commit, nothing is left behind.
  virtual void commit() = 0;
  virtual bool streaming() const = 0;
};

std::unique_ptr<SlabWriter> create_slab_writer(const std::string& path, const Size3& size, const Geometry& geometry,
                                               PixelType pixel_type);

}  // namespace scopemia::io
