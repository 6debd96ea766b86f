#include "infer/embed.h"

#include <torch/torch.h>

#include "core/error.h"
#include "core/tensor_bridge.h"
#include "core/windows.h"
#include "data/subvolumes.h"
#include "nn/backbone.h"

namespace scopemia::infer {

struct Embedder::State {
  EmbedOptions options;
  std::shared_ptr<torch::nn::Module> owner;
  nn::BackboneImpl* model = nullptr;
  std::vector<std::string> names;
  int64_t channels_A = 0, channels_T = 0;
  int block = 0;
  // Which block, and the stream widths (one probe window) and column names.
  void describe();
};

Embedder::Embedder(const EmbedOptions& options) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.options = options;
  if (options.pde_stages.empty()) throw InputError("embeddings need at least one PDE block (--pde-stages)");
  torch::manual_seed(options.seed);
  nn::BackboneOptions b;
  b.pde_stages = options.pde_stages;
  auto model = nn::create(options.model, b);
  s.model = model.get();
  s.owner = model;
  s.describe();
}

Embedder::Embedder(const EmbedOptions& options, std::shared_ptr<torch::nn::Module> owner, nn::BackboneImpl& backbone)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.options = options;
  s.owner = std::move(owner);
  s.model = &backbone;
  if (backbone.pde_blocks().empty()) throw InputError("embeddings need a model with at least one PDE block");
  s.describe();
}

void Embedder::State::describe() {
  State& s = *this;
  s.model->eval();
  const int blocks = int(s.model->pde_blocks().size());
  s.block = s.options.pde_block < 0 ? blocks - 1 : s.options.pde_block;
  if (s.block >= blocks) throw InputError("--pde-block is beyond the model's PDE blocks");
  // One probe window tells the stream widths.
  torch::NoGradGuard no_grad;
  const auto probe = s.model->forward(torch::zeros({1, 1, s.options.k, 32, 32}));
  const auto& st = probe.pde_states.at(s.block);
  s.channels_A = st.f_A_new.size(1);
  s.channels_T = st.f_T_new.size(1);
  for (const char* where : {"", "sd_", "global_"}) {
    for (int64_t i = 0; i < s.channels_A; ++i) s.names.push_back("scope_A_" + std::string(where) + std::to_string(i));
    for (int64_t i = 0; i < s.channels_T; ++i) s.names.push_back("scope_T_" + std::string(where) + std::to_string(i));
  }
}

Embedder::~Embedder() = default;

const std::vector<std::string>& Embedder::names() const { return state_->names; }

std::vector<float> Embedder::embed(const Volume& image, const LabelMap& mask) const {
  const State& s = *state_;
  torch::NoGradGuard no_grad;
  const data::PreparedCase prepared = data::prepare_case(image, mask, s.options.preprocess);
  const torch::Tensor volume = as_tensor(prepared.image);           // [D,H,W]
  const torch::Tensor roi = as_tensor(prepared.mask).to(torch::kFloat32);
  const int64_t D = volume.size(0), k = s.options.k;

  // Sums over windows of the pooled streams, weighted by ROI (and valid) mass.
  torch::Tensor roi_A = torch::zeros({s.channels_A}, torch::kFloat64), roi_T = torch::zeros({s.channels_T}, torch::kFloat64);
  torch::Tensor all_A = torch::zeros_like(roi_A), all_T = torch::zeros_like(roi_T);
  torch::Tensor sq_A = torch::zeros_like(roi_A), sq_T = torch::zeros_like(roi_T);
  double roi_mass = 0, all_mass = 0;
  for (int64_t start : window_starts(D, k, s.options.stride)) {
    const data::SubvolumeRef ref{0, start, std::min(k, D - start)};
    const auto x = data::extract_subvolume(volume, ref, k).unsqueeze(0).unsqueeze(0);
    auto m = data::extract_subvolume(roi, ref, k, data::DepthPadding::kZero).unsqueeze(0).unsqueeze(0);
    auto valid = torch::zeros({1, 1, k, volume.size(1), volume.size(2)});
    valid.narrow(2, 0, ref.valid).fill_(1.f);
    const auto out = s.model->forward(x);
    const auto& st = out.pde_states.at(s.block);
    const auto grid = st.f_A_new.sizes().slice(2);
    // Masks averaged onto the feature grid: partial cells weigh by ROI fraction.
    const auto m_f = torch::adaptive_avg_pool3d(m, grid), v_f = torch::adaptive_avg_pool3d(valid, grid);
    auto pooled = [](const torch::Tensor& f, const torch::Tensor& w) {
      return (f * w).sum({0, 2, 3, 4}).to(torch::kFloat64);
    };
    roi_A += pooled(st.f_A_new, m_f);
    roi_T += pooled(st.f_T_new, m_f);
    sq_A += pooled(st.f_A_new.square(), m_f);
    sq_T += pooled(st.f_T_new.square(), m_f);
    all_A += pooled(st.f_A_new, v_f);
    all_T += pooled(st.f_T_new, v_f);
    roi_mass += m_f.sum().item<double>();
    all_mass += v_f.sum().item<double>();
  }
  if (roi_mass <= 0) throw InputError("the ROI vanished after preprocessing (too small for the spacing?)");
  // Texture lives in the spread of the streams inside the ROI, not only their mean.
  const auto mean_A = roi_A / roi_mass, mean_T = roi_T / roi_mass;
  const auto sd_A = (sq_A / roi_mass - mean_A.square()).clamp_min(0).sqrt();
  const auto sd_T = (sq_T / roi_mass - mean_T.square()).clamp_min(0).sqrt();
  const auto row = torch::cat({mean_A, mean_T, sd_A, sd_T, all_A / all_mass, all_T / all_mass}).to(torch::kFloat32);
  return std::vector<float>(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
}

}  // namespace scopemia::infer
