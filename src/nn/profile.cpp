#include "nn/profile.h"

#include <ATen/record_function.h>
#include <c10/core/Allocator.h>
#include <c10/util/ThreadLocalDebugInfo.h>
#include <torch/cuda.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <unordered_map>

#include "core/error.h"
#include "nn/backbone.h"
#include "nn/heads.h"
#include "nn/pde_losses.h"

namespace scopemia::nn {

// ---------------------------------------------------------------- FLOPs ----

namespace {

enum class OpKind { kNone, kConv, kConvTransposed, kConvGeneric, kLinear, kNorm, kElementwise, kSoftmax, kReduction };

OpKind classify(const char* full_name) {
  static const std::unordered_map<std::string, OpKind> table = [] {
    std::unordered_map<std::string, OpKind> t;
    for (const char* n : {"conv1d", "conv2d", "conv3d"}) t[n] = OpKind::kConv;
    for (const char* n : {"conv_transpose1d", "conv_transpose2d", "conv_transpose3d"}) t[n] = OpKind::kConvTransposed;
    for (const char* n : {"convolution", "_convolution"}) t[n] = OpKind::kConvGeneric;
    for (const char* n : {"linear", "addmm", "mm", "bmm", "matmul", "baddbmm"}) t[n] = OpKind::kLinear;
    for (const char* n : {"batch_norm", "layer_norm", "group_norm", "instance_norm", "native_batch_norm",
                          "native_layer_norm", "native_group_norm"})
      t[n] = OpKind::kNorm;
    for (const char* n : {"add", "sub", "rsub", "mul", "div", "neg", "exp", "log", "sigmoid", "tanh", "relu",
                          "gelu", "pow", "sqrt", "rsqrt", "abs", "clamp", "clamp_min", "clamp_max", "softplus",
                          "leaky_relu", "hardtanh", "silu", "reciprocal", "where", "maximum", "minimum", "addcmul",
                          "addcdiv", "lerp", "square", "expm1", "log1p", "threshold", "sign", "xlogy"})
      t[n] = OpKind::kElementwise;
    for (const char* n : {"softmax", "log_softmax", "_softmax", "_log_softmax"}) t[n] = OpKind::kSoftmax;
    for (const char* n : {"max_pool1d", "max_pool2d", "max_pool3d", "max_pool3d_with_indices", "avg_pool1d",
                          "avg_pool2d", "avg_pool3d", "adaptive_avg_pool3d", "_adaptive_avg_pool3d",
                          "adaptive_max_pool3d", "mean", "sum", "amax", "amin", "var", "std", "norm",
                          "linalg_vector_norm"})
      t[n] = OpKind::kReduction;
    return t;
  }();
  if (std::strncmp(full_name, "aten::", 6) != 0) return OpKind::kNone;
  std::string name(full_name + 6);
  if (name.size() > 1 && name.back() == '_' && name[name.size() - 2] != '_') name.pop_back();  // in-place variant
  auto it = table.find(name);
  return it == table.end() ? OpKind::kNone : it->second;
}

struct Frame {
  OpKind kind = OpKind::kNone;
  bool counted = false;
  double factor = 0;        // per-output-element multiplier (conv, linear)
  double input_numel = 0;   // for norms, reductions, transposed convs
};

struct FlopState {
  FlopBreakdown totals;
  std::vector<Frame> stack;  // counted-kind operators in flight
};
FlopState* g_flops = nullptr;

double numel(const c10::IValue& v) { return v.isTensor() ? static_cast<double>(v.toTensor().numel()) : 0.0; }

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  if (!g_flops) return nullptr;
  const OpKind kind = classify(fn.name());
  if (kind == OpKind::kNone) return nullptr;
  Frame f;
  f.kind = kind;
  f.counted = g_flops->stack.empty();
  if (f.counted) {
    auto in = fn.inputs();
    auto tensor = [&](size_t i) -> const at::Tensor* {
      return i < in.size() && in[i].isTensor() ? &in[i].toTensor() : nullptr;
    };
    f.input_numel = in.empty() ? 0 : numel(in[0]);
    switch (kind) {
      case OpKind::kConv:
      case OpKind::kConvTransposed:
      case OpKind::kConvGeneric: {
        if (const auto* w = tensor(1)) f.factor = static_cast<double>(w->numel() / std::max<int64_t>(w->size(0), 1));
        if (kind == OpKind::kConvGeneric && in.size() > 6 && in[6].isBool() && in[6].toBool())
          f.kind = OpKind::kConvTransposed;
        break;
      }
      case OpKind::kLinear: {
        const std::string name = fn.name();
        if (name == "aten::linear") {
          if (const auto* w = tensor(1)) f.factor = static_cast<double>(w->size(-1));
        } else if (name == "aten::addmm" || name == "aten::baddbmm") {
          if (const auto* a = tensor(1)) f.factor = static_cast<double>(a->size(-1));
        } else if (const auto* a = tensor(0)) {
          f.factor = a->dim() > 0 ? static_cast<double>(a->size(-1)) : 0.0;
        }
        break;
      }
      default:
        break;
    }
  }
  g_flops->stack.push_back(f);
  return nullptr;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext*) {
  if (!g_flops) return;
  const OpKind kind = classify(fn.name());
  if (kind == OpKind::kNone || g_flops->stack.empty()) return;
  const Frame f = g_flops->stack.back();
  g_flops->stack.pop_back();
  if (!f.counted) return;
  const auto& outs = fn.outputs();
  const double out_numel = outs.empty() ? 0.0 : numel(outs[0]);
  auto& t = g_flops->totals;
  switch (f.kind) {
    case OpKind::kConv:
    case OpKind::kConvGeneric:
      t.conv += 2.0 * out_numel * f.factor;
      break;
    case OpKind::kConvTransposed:
      // weight [Cin, Cout/groups, k...]: every input element meets Cout/groups * k^3 weights.
      t.conv += 2.0 * f.input_numel * f.factor;
      break;
    case OpKind::kLinear:
      t.linear += 2.0 * out_numel * f.factor;
      break;
    case OpKind::kNorm:
      t.norm += 5.0 * f.input_numel;
      break;
    case OpKind::kElementwise:
      t.elementwise += out_numel;
      break;
    case OpKind::kSoftmax:
      t.elementwise += 3.0 * out_numel;
      break;
    case OpKind::kReduction:
      t.reduction += f.input_numel;
      break;
    case OpKind::kNone:
      break;
  }
}

}  // namespace

struct FlopCounter::State {
  FlopState flops;
  at::CallbackHandle handle = 0;
};

FlopCounter::FlopCounter() : state_(std::make_unique<State>()) {
  if (g_flops) throw std::logic_error("FlopCounter: one counter at a time");
  g_flops = &state_->flops;
  state_->handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(&on_start, &on_end).needsInputs(true).needsOutputs(true).scopes(
          {at::RecordScope::FUNCTION}));
}

FlopCounter::~FlopCounter() {
  at::removeCallback(state_->handle);
  g_flops = nullptr;
}

FlopBreakdown FlopCounter::result() const { return state_->flops.totals; }

// --------------------------------------------------------------- memory ----

namespace {

class MemoryReporter : public c10::MemoryReportingInfoBase {
 public:
  void reportMemoryUsage(void*, int64_t alloc_size, int64_t, int64_t, c10::Device) override {
    const int64_t now = current_.fetch_add(alloc_size) + alloc_size;
    int64_t peak = peak_.load();
    while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
    }
  }
  bool memoryProfilingEnabled() const override { return true; }
  int64_t peak() const { return peak_.load(); }
  int64_t current() const { return current_.load(); }

 private:
  std::atomic<int64_t> current_{0}, peak_{0};
};

}  // namespace

struct PeakMemoryTracker::State {
  std::shared_ptr<MemoryReporter> reporter = std::make_shared<MemoryReporter>();
  std::unique_ptr<c10::DebugInfoGuard> guard;
};

PeakMemoryTracker::PeakMemoryTracker() : state_(std::make_unique<State>()) {
  state_->guard = std::make_unique<c10::DebugInfoGuard>(c10::DebugInfoKind::PROFILER_STATE, state_->reporter);
}

PeakMemoryTracker::~PeakMemoryTracker() = default;

int64_t PeakMemoryTracker::peak_bytes() const { return state_->reporter->peak(); }
int64_t PeakMemoryTracker::current_bytes() const { return state_->reporter->current(); }

// -------------------------------------------------------------- profile ----

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int64_t state_bytes(torch::nn::Module& m) {
  int64_t b = 0;
  for (const auto& p : m.parameters()) b += p.numel() * static_cast<int64_t>(p.element_size());
  for (const auto& p : m.buffers()) b += p.numel() * static_cast<int64_t>(p.element_size());
  return b;
}

int64_t count_params(torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

// A registered backbone with a 2-class classification head, as one module.
class ProfiledModel : public torch::nn::Module {
 public:
  ProfiledModel(std::shared_ptr<BackboneImpl> backbone, int64_t outputs)
      : backbone_(register_module("backbone", std::move(backbone))),
        head_(register_module("head", LinearHead(backbone_->out_channels(), outputs))) {}
  BackboneImpl& backbone() { return *backbone_; }
  std::pair<torch::Tensor, BackboneOutput> forward(const torch::Tensor& x) {
    auto out = backbone_->forward(x);
    auto y = head_->forward(out.stages.back());
    return {y, std::move(out)};
  }

 private:
  std::shared_ptr<BackboneImpl> backbone_;
  LinearHead head_{nullptr};
};

}  // namespace

std::vector<std::string> profile_table_models() {
  return {"convnext3d_nano", "convnext3d_small", "resnet3d_18", "resnet3d_50", "vgg3d_11", "vgg3d_16",
          "densenet3d_121"};
}

ProfileResult profile_model(const ProfileOptions& o) {
  if (o.batch < 1) throw InputError("--batch must be positive");
  for (auto s : o.input)
    if (s < 1) throw InputError("--input sizes must be positive");
  torch::Device device(torch::kCPU);
  if (o.device == "cuda") {
    if (!torch::cuda::is_available()) throw InputError("--device cuda: this libtorch has no usable CUDA device");
    device = torch::Device(torch::kCUDA);
  } else if (o.device != "cpu") {
    throw InputError("--device must be cpu or cuda, got '" + o.device + "'");
  }
  BackboneOptions bo;
  bo.kernel_size = o.dw_kernel;
  bo.kernel_mode = o.dw_separable ? KernelMode::kSeparable : KernelMode::kFull;
  if (o.pde) bo.pde_stages = o.pde_stages;
  auto model = std::make_shared<ProfiledModel>(create(o.model, bo), 2);
  model->to(device);

  ProfileResult r;
  r.model = o.model;
  r.pde = o.pde;
  r.device = device.str();
  r.params = count_params(*model);
  for (auto& b : model->backbone().pde_blocks()) r.pde_params += count_params(*b);

  const auto x = torch::randn({o.batch, bo.in_channels, o.input[0], o.input[1], o.input[2]},
                              torch::TensorOptions().device(device));
  auto sync = [&] {
    if (device.is_cuda()) torch::cuda::synchronize();
  };
  auto forward_eval = [&] {
    torch::NoGradGuard no_grad;
    auto out = model->forward(x);
    sync();
    return out;
  };
  auto train_step = [&] {
    for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
    auto [y, out] = model->forward(x);
    auto loss = y.sum();
    auto& blocks = model->backbone().pde_blocks();
    if (o.pde_losses)
      for (size_t i = 0; i < out.pde_states.size() && i < blocks.size(); ++i)
        loss = loss + pde_losses(*blocks[i], out.pde_states[i], PdeLossWeights{}).total;
    loss.backward();
    sync();
  };

  // FLOPs of one forward pass.
  model->eval();
  {
    FlopCounter counter;
    forward_eval();
    r.flops = counter.result();
  }
  // Peak memory of one training step (activations, gradients, temporaries)
  // on top of the parameters, buffers and input.
  model->train();
  {
    PeakMemoryTracker tracker;
    train_step();
    r.peak_memory_bytes = tracker.peak_bytes() + state_bytes(*model) +
                          x.numel() * static_cast<int64_t>(x.element_size());
  }
  for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
  if (!o.timing) return r;

  using clock = std::chrono::steady_clock;
  auto time_ms = [&](auto&& fn) {
    for (int i = 0; i < o.warmup; ++i) fn();
    std::vector<double> t;
    for (int i = 0; i < std::max(o.repeats, 1); ++i) {
      const auto t0 = clock::now();
      fn();
      t.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
    }
    return median(t);
  };
  model->eval();
  r.forward_ms = time_ms([&] { forward_eval(); });
  model->train();
  r.train_step_ms = time_ms(train_step);
  return r;
}

}  // namespace scopemia::nn
