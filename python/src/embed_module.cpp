// scopemia._embed: SCOPE-MIA lesion embeddings for the Python package. The
// one module that links libtorch; `scopemia.embed` imports it on first use.
// The values are those `scopemia embed` writes (same code path, float32).
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <pybind11/stl.h>

#include "bridge.h"
#include "core/error.h"
#include "core/runtime.h"
#include "infer/checkpoint_embedder.h"
#include "infer/embed.h"
#include "io/image_io.h"
#include "train/config.h"

namespace scopemia::python {
namespace {

class PyEmbedder {
 public:
  // A checkpoint (file or run folder): its network, weights, preprocessing,
  // window and pooling.
  static std::unique_ptr<PyEmbedder> from_checkpoint(const std::string& checkpoint) {
    auto e = std::make_unique<PyEmbedder>();
    py::gil_scoped_release release;
    const infer::CheckpointEmbedding c = infer::read_checkpoint_embedding(checkpoint);
    e->embedder_ = infer::load_checkpoint_embedder(c.path, c.options);
    return e;
  }
  // The untrained network a training configuration describes (the weights its
  // run starts from; `seed` replaces the configuration's).
  static std::unique_ptr<PyEmbedder> from_config(const std::string& config, std::optional<uint64_t> seed) {
    auto e = std::make_unique<PyEmbedder>();
    py::gil_scoped_release release;
    const train::TrainConfig parsed = train::load_config(config);
    infer::EmbedOptions options = infer::embed_options(parsed);
    if (seed) options.seed = *seed;
    e->embedder_ = infer::initial_embedder(parsed, options);
    return e;
  }

  std::vector<std::string> names() const { return embedder_->names(); }

  py::array embed(py::handle image_obj, py::handle mask_obj) const {
    const ImageArg image_in = image_arg(image_obj, "image");
    const ImageArg mask_in = image_arg(mask_obj, "mask");
    Volume image;
    LabelMap mask;
    if (!image_in.path) image = volume_from_array(image_in.array, image_in.geometry, "image");
    if (!mask_in.path) mask = labels_from_array(mask_in.array, mask_in.geometry, "mask");
    const std::optional<std::string>& image_path = image_in.path;
    const std::optional<std::string>& mask_path = mask_in.path;
    std::vector<float> row;
    {
      py::gil_scoped_release release;
      const std::lock_guard<std::mutex> lock(mutex_);  // one case at a time through the network
      if (image_path) image = io::read_volume(*image_path);
      if (mask_path) mask = read_mask_file(*mask_path, image_path);
      row = embedder_->embed(image, mask);
    }
    py::array_t<float> out(static_cast<py::ssize_t>(row.size()));
    std::copy(row.begin(), row.end(), out.mutable_data());
    return std::move(out);
  }

 private:
  std::unique_ptr<infer::Embedder> embedder_;
  mutable std::mutex mutex_;
};

}  // namespace
}  // namespace scopemia::python

PYBIND11_MODULE(_embed, m) {
  namespace py = pybind11;
  using namespace scopemia::python;
  m.doc() = "SCOPE-MIA lesion embeddings (loads libtorch)";
  register_errors();
  py::class_<PyEmbedder>(m, "Embedder")
      .def_static("from_checkpoint", &PyEmbedder::from_checkpoint, py::arg("checkpoint"))
      .def_static("from_config", &PyEmbedder::from_config, py::arg("config"), py::arg("seed") = py::none())
      .def_property_readonly("names", &PyEmbedder::names)
      .def("embed", &PyEmbedder::embed, py::arg("image"), py::arg("mask"));
  m.def("set_compute_threads", &scopemia::set_compute_threads, py::arg("threads"),
        "Threads for the network's compute (0 = all cores)");
}
