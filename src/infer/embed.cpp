#include "infer/embed.h"

#include <array>
#include <cmath>

#include <torch/torch.h>

#include "core/error.h"
#include "core/tensor_bridge.h"
#include "core/windows.h"
#include "data/subvolumes.h"
#include "nn/backbone.h"
#include "pde/spectrum.h"
#include "train/descriptors.h"

namespace scopemia::infer {

EmbedOptions embed_options(const train::TrainConfig& config) {
  EmbedOptions o;
  o.model = config.model.backbone;
  o.backbone = train::backbone_options(config.model);
  o.seed = config.seed;
  o.preprocess = config.data.preprocess;
  o.input = config.model.input;
  o.pooling = config.embedding;
  o.windows = config.windows();
  o.descriptor_columns = config.descriptors.in_embedding;
  return o;
}

struct Embedder::State {
  EmbedOptions options;
  std::shared_ptr<torch::nn::Module> owner;
  nn::BackboneImpl* model = nullptr;
  std::unique_ptr<nn::RoiPooling> pooling;
  EmbeddingHead head;
  std::vector<std::string> names;  // the pooling's, then the head's
  bool head_only() const { return head && options.descriptor_columns == train::DescriptorColumns::kOnly; }
  void describe();
};

Embedder::Embedder(const EmbedOptions& options) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.options = options;
  data::validate(options.input, options.preprocess, "embed");
  torch::manual_seed(options.seed);
  nn::BackboneOptions b = options.backbone;
  b.in_channels = options.input.count();
  auto model = nn::create(options.model, b);
  s.model = model.get();
  s.owner = model;
  s.describe();
}

Embedder::Embedder(const EmbedOptions& options, std::shared_ptr<torch::nn::Module> owner, nn::BackboneImpl& backbone,
                   EmbeddingHead head)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.options = options;
  s.owner = std::move(owner);
  s.model = &backbone;
  s.head = std::move(head);
  s.describe();
}

void Embedder::State::describe() {
  model->eval();
  // One probe window tells the taps' widths, hence the names.
  pooling = std::make_unique<nn::RoiPooling>(options.pooling, *model,
                                             torch::zeros({1, options.input.count(), options.windows.k(), 32, 32}));
  names = head_only() ? std::vector<std::string>{} : pooling->names();
  names.insert(names.end(), head.names.begin(), head.names.end());
}

Embedder::~Embedder() = default;

const std::vector<std::string>& Embedder::names() const { return state_->names; }

void Embedder::for_each_window(
    const Volume& image, const LabelMap& mask,
    const std::function<void(const nn::BackboneOutput&, const torch::Tensor&, const torch::Tensor&)>& visit) const {
  const State& s = *state_;
  torch::NoGradGuard no_grad;
  const data::PreparedCase prepared = data::prepare_case(image, mask, s.options.preprocess);
  const torch::Tensor volume = as_tensor(prepared.image);  // [D,H,W]
  const torch::Tensor roi = as_tensor(prepared.mask).to(torch::kFloat32);
  if (!(roi.sum().item<double>() > 0))
    throw InputError("the ROI vanished after preprocessing (too small for the spacing?)");
  const int64_t D = volume.size(0), k = s.options.windows.k();
  for (int64_t start : s.options.windows.starts(D)) {
    const data::SubvolumeRef ref{0, start, std::min(k, D - start)};
    const auto x = data::extract_subvolume(volume, ref, k).unsqueeze(0).unsqueeze(0);
    const auto m = data::extract_subvolume(roi, ref, k, data::DepthPadding::kZero).unsqueeze(0).unsqueeze(0);
    auto valid = torch::zeros({1, 1, k, 1, 1});
    valid.narrow(2, 0, ref.valid).fill_(1.f);
    visit(s.model->forward(data::build_input(x, m, s.options.input, s.options.preprocess)), m, valid);
  }
}

std::vector<float> Embedder::embed(const Volume& image, const LabelMap& mask) const {
  const State& s = *state_;
  // Moments summed over windows (in double), so the statistics are the whole lesion's.
  std::vector<nn::PooledMoments> total;
  for_each_window(image, mask, [&](const nn::BackboneOutput& out, const torch::Tensor& m, const torch::Tensor& valid) {
    const auto window = s.pooling->moments(out, m, valid);
    const auto add = [](torch::Tensor& sum, const torch::Tensor& term) {
      sum = sum.defined() ? sum + term.to(torch::kFloat64) : term.to(torch::kFloat64);
    };
    total.resize(window.size());
    for (size_t i = 0; i < window.size(); ++i) {
      add(total[i].mass, window[i].mass);
      add(total[i].sum, window[i].sum);
      add(total[i].sum_sq, window[i].sum_sq);
    }
  });
  auto row = nn::RoiPooling::statistics(total).to(torch::kFloat32);
  if (s.head) row = s.head_only() ? s.head.apply(row) : torch::cat({row, s.head.apply(row)}, 1);
  row = row.squeeze(0).contiguous();
  return std::vector<float>(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
}

std::vector<Embedder::StreamSpectrum> Embedder::stream_spectra(const Volume& image, const LabelMap& mask) const {
  // Spectral energies summed over windows; only the valid (non-padding) slices count.
  std::vector<std::array<pde::SpectralEnergy, 2>> energy;  // per block: A, T
  for_each_window(image, mask, [&](const nn::BackboneOutput& out, const torch::Tensor&, const torch::Tensor& valid) {
    if (energy.empty()) energy.resize(out.pde_states.size());
    const double valid_fraction = valid.mean().item<double>();
    for (size_t b = 0; b < out.pde_states.size(); ++b) {
      const auto& st = out.pde_states[b];
      const int64_t depth = std::max<int64_t>(1, std::llround(valid_fraction * double(st.f_A_new.size(2))));
      const torch::Tensor streams[2] = {st.f_A_new, st.f_T_new};
      for (int i = 0; i < 2; ++i) {
        const pde::SpectralEnergy e = pde::in_plane_spectral_energy(streams[i].narrow(2, 0, depth));
        energy[b][i].high += e.high;
        energy[b][i].total += e.total;
      }
    }
  });
  std::vector<StreamSpectrum> r;
  for (const auto& e : energy) r.push_back({e[0].share(), e[1].share()});
  return r;
}

EmbeddingHead descriptor_columns(const train::ScopeModel& model, const train::TrainConfig& config,
                                 const EmbedOptions& options) {
  if (options.descriptor_columns == train::DescriptorColumns::kNone) return {};
  if (!model->has_descriptor_head())
    throw InputError(config.source, "descriptor columns asked of a model without the descriptor head (descriptors.enabled)");
  if (options.pooling != config.embedding)
    throw InputError(config.source,
                     "the descriptor head reads the pooling it was trained with (embedding section); with other "
                     "taps, regions or shell voxels its columns cannot be computed (--no-descriptor-columns)");
  EmbeddingHead head;
  for (const auto& name : train::descriptor_names(config.descriptors.set)) head.names.push_back("scope_head_" + name);
  head.apply = [model = train::ScopeModel(model)](const torch::Tensor& pooled) mutable {
    torch::NoGradGuard no_grad;
    return model->descriptors_from_pooled(pooled);
  };
  return head;
}

std::unique_ptr<Embedder> initial_embedder(const train::TrainConfig& config, const EmbedOptions& options) {
  if (options.descriptor_columns == train::DescriptorColumns::kNone) return std::make_unique<Embedder>(options);
  // The whole model a run builds (backbone, decoders, head, in that order
  // from the seeded generator), so backbone and head are its first weights.
  train::TrainConfig seeded = config;
  seeded.seed = options.seed;
  torch::manual_seed(seeded.seed);
  train::ScopeModel model(seeded, train::resolve_outputs(seeded, 1));
  model->eval();
  EmbeddingHead head = descriptor_columns(model, seeded, options);
  return std::make_unique<Embedder>(options, model.ptr(), model->backbone(), std::move(head));
}

}  // namespace scopemia::infer
