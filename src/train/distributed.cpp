#include "train/distributed.h"

// ProcessGroupGloo.hpp is empty unless USE_C10D_GLOO is defined (Debian's
// libtorch_cpu.so is built with it; libgloo-dev provides the gloo headers).
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"

namespace scopemia::train {
namespace {

// A world of one process: every collective is the identity.
class SingleProcess final : public Distributed {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  void broadcast_parameters(torch::nn::Module&) override {}
  void average_gradients(torch::nn::Module&) override {}
  double average(double value) override { return value; }
  void barrier() override {}
};

// ---- the environment -------------------------------------------------------

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

// A whole-string integer in [low, high]; anything else names the variable.
long env_integer(const char* name, const char* text, long low, long high) {
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < low || v > high)
    throw InputError(std::string(name) + "='" + text + "': expected an integer in [" + std::to_string(low) + ", " +
                     std::to_string(high) + "]");
  return v;
}

const char* required_env(const char* name, int world) {
  const char* v = env(name);
  if (!v)
    throw InputError(std::string(name) + " is not set (WORLD_SIZE=" + std::to_string(world) +
                     " needs RANK, MASTER_ADDR and MASTER_PORT; `scopemia launch` sets them)");
  return v;
}

struct WorldEnv {
  int rank = 0, world = 1;
  std::string master_addr;
  uint16_t master_port = 0;
  std::chrono::milliseconds timeout{120'000};
  int64_t bucket_bytes = 25 << 20;  // PyTorch DDP's default bucket
};

WorldEnv read_environment() {
  WorldEnv w;
  // Inside an `srun` step without the torchrun variables, SLURM's own: the
  // step's task count and this task's rank (docs/distributed.md). Only a
  // step's variables: a batch script's SLURM_NTASKS alone starts no world.
  const char* world_name = "WORLD_SIZE";
  const char* rank_name = "RANK";
  if (!env("WORLD_SIZE") && env("SLURM_STEP_NUM_TASKS") && env("SLURM_PROCID")) {
    world_name = "SLURM_STEP_NUM_TASKS";
    rank_name = "SLURM_PROCID";
  }
  if (const char* ws = env(world_name)) w.world = static_cast<int>(env_integer(world_name, ws, 1, 1 << 16));
  if (w.world == 1) {
    if (const char* r = env(rank_name)) env_integer(rank_name, r, 0, 0);
    return w;
  }
  w.rank = static_cast<int>(env_integer(rank_name, required_env(rank_name, w.world), 0, w.world - 1));
  w.master_addr = required_env("MASTER_ADDR", w.world);
  w.master_port = static_cast<uint16_t>(env_integer("MASTER_PORT", required_env("MASTER_PORT", w.world), 1, 65535));
  if (const char* lr = env("LOCAL_RANK")) env_integer("LOCAL_RANK", lr, 0, w.world - 1);
  if (const char* t = env("SCOPEMIA_DIST_TIMEOUT")) {
    w.timeout = std::chrono::milliseconds(1000 * env_integer("SCOPEMIA_DIST_TIMEOUT", t, 1, 7 * 24 * 3600));
  }
  if (const char* mb = env("SCOPEMIA_DIST_BUCKET_MB"))
    w.bucket_bytes = env_integer("SCOPEMIA_DIST_BUCKET_MB", mb, 1, 1 << 16) << 20;
  return w;
}

// c10::Error's what() carries a C++ backtrace; users get the message.
std::string message_of(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// ---- flattening into buckets -----------------------------------------------

// Tensors of one dtype laid end to end in buckets of at most bucket_bytes
// (a tensor larger than that gets a bucket of its own).
struct Bucket {
  std::vector<size_t> members;  // indices into the caller's list
  int64_t numel = 0;
};

std::vector<Bucket> plan_buckets(const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes) {
  std::map<c10::ScalarType, std::vector<size_t>> by_type;  // ordered: every rank plans alike
  for (size_t i = 0; i < tensors.size(); ++i) by_type[tensors[i].scalar_type()].push_back(i);
  std::vector<Bucket> buckets;
  for (const auto& [type, indices] : by_type) {
    const int64_t item = static_cast<int64_t>(c10::elementSize(type));
    Bucket current;
    for (size_t i : indices) {
      const int64_t n = tensors[i].numel();
      if (!current.members.empty() && (current.numel + n) * item > bucket_bytes) {
        buckets.push_back(std::move(current));
        current = Bucket{};
      }
      current.members.push_back(i);
      current.numel += n;
    }
    if (!current.members.empty()) buckets.push_back(std::move(current));
  }
  return buckets;
}

torch::Tensor flatten(const std::vector<torch::Tensor>& tensors, const Bucket& bucket) {
  std::vector<torch::Tensor> flat;
  flat.reserve(bucket.members.size());
  for (size_t i : bucket.members) flat.push_back(tensors[i].detach().reshape({-1}));
  return torch::cat(flat).contiguous();
}

// ---- the multi-process world ------------------------------------------------

class GlooWorld final : public Distributed {
 public:
  explicit GlooWorld(const WorldEnv& w) : rank_(w.rank), world_(w.world), bucket_bytes_(w.bucket_bytes) {
    c10d::TCPStoreOptions store_options;
    store_options.port = w.master_port;
    store_options.isServer = w.rank == 0;
    store_options.numWorkers = static_cast<size_t>(w.world);
    store_options.waitWorkers = true;
    store_options.timeout = w.timeout;
    const std::string where = w.master_addr + ":" + std::to_string(w.master_port);
    try {
      store_ = c10::make_intrusive<c10d::TCPStore>(w.master_addr, store_options);
    } catch (const std::exception& e) {
      throw InputError("rank " + std::to_string(w.rank) + ": no rendezvous at " + where +
                       (w.rank == 0 ? " (is MASTER_PORT in use?)" : " (is rank 0 running?)") + ": " + message_of(e));
    }
    auto options = c10d::ProcessGroupGloo::Options::create(w.timeout);
    try {
      if (const char* ifname = env("GLOO_SOCKET_IFNAME"))
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      else if (is_loopback(w.master_addr))
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      else
        options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, w.rank, w.world, options);
    } catch (const std::exception& e) {
      throw InputError("rank " + std::to_string(w.rank) + ": cannot connect the " + std::to_string(w.world) +
                       " ranks over Gloo (rendezvous " + where + "): " + message_of(e));
    }
  }

  int rank() const override { return rank_; }
  int world_size() const override { return world_; }

  void broadcast_parameters(torch::nn::Module& module) override {
    std::vector<torch::Tensor> tensors;
    for (const auto& p : module.parameters(/*recurse=*/true)) tensors.push_back(p);
    for (const auto& b : module.buffers(/*recurse=*/true)) tensors.push_back(b);
    check_same_model(tensors);
    torch::NoGradGuard no_grad;
    const auto buckets = plan_buckets(tensors, bucket_bytes_);
    std::vector<torch::Tensor> flat;
    std::vector<c10::intrusive_ptr<c10d::Work>> work;
    for (const auto& bucket : buckets) {
      flat.push_back(flatten(tensors, bucket));
      std::vector<at::Tensor> io{flat.back()};
      c10d::BroadcastOptions opts;
      opts.rootRank = 0;
      work.push_back(group_->broadcast(io, opts));
    }
    for (size_t b = 0; b < buckets.size(); ++b) {
      wait(work[b], "broadcast of the parameters");
      if (rank_ == 0) continue;
      int64_t offset = 0;
      for (size_t i : buckets[b].members) {
        auto& t = tensors[i];
        t.copy_(flat[b].narrow(0, offset, t.numel()).view_as(t));
        offset += t.numel();
      }
    }
  }

  void average_gradients(torch::nn::Module& module) override {
    // Every trainable parameter takes part, with or without a gradient here,
    // so the ranks issue the same collectives. One extra float per
    // parameter counts the ranks that had a gradient: a parameter no rank
    // touched keeps an undefined gradient (the optimizer then skips it, as
    // it would in one process).
    std::vector<torch::Tensor> params;
    for (const auto& p : module.parameters(/*recurse=*/true))
      if (p.requires_grad()) params.push_back(p);
    std::vector<torch::Tensor> pieces;
    pieces.reserve(params.size() + 1);
    std::vector<float> had_grad(params.size(), 0.0f);
    for (size_t i = 0; i < params.size(); ++i) {
      const auto& g = params[i].grad();
      if (g.defined()) {
        if (g.is_sparse()) throw std::runtime_error("average_gradients: sparse gradients are not supported");
        pieces.push_back(g);
        had_grad[i] = 1.0f;
      } else {
        pieces.push_back(torch::zeros_like(params[i], torch::MemoryFormat::Contiguous));
      }
    }
    pieces.push_back(torch::tensor(had_grad, torch::kFloat));
    torch::NoGradGuard no_grad;
    const auto buckets = plan_buckets(pieces, bucket_bytes_);
    std::vector<torch::Tensor> flat;
    std::vector<c10::intrusive_ptr<c10d::Work>> work;
    for (const auto& bucket : buckets) {
      flat.push_back(flatten(pieces, bucket));
      std::vector<at::Tensor> io{flat.back()};
      work.push_back(group_->allreduce(io));  // SUM
    }
    // Unflatten: first the counts (they decide which gradients to write).
    std::vector<torch::Tensor> summed(pieces.size());
    for (size_t b = 0; b < buckets.size(); ++b) {
      wait(work[b], "all-reduce of the gradients");
      int64_t offset = 0;
      for (size_t i : buckets[b].members) {
        summed[i] = flat[b].narrow(0, offset, pieces[i].numel()).view_as(pieces[i]);
        offset += pieces[i].numel();
      }
    }
    const auto counts = summed.back().contiguous();
    const float* ranks_with_grad = counts.data_ptr<float>();
    for (size_t i = 0; i < params.size(); ++i) {
      auto& p = params[i];
      if (ranks_with_grad[i] == 0.0f) continue;  // no rank had one
      const auto mean = summed[i].div(static_cast<double>(world_));
      if (p.grad().defined())
        p.mutable_grad().copy_(mean);
      else
        p.mutable_grad() = mean.clone();
    }
  }

  double average(double value) override {
    std::vector<at::Tensor> io{torch::full({1}, value, torch::kDouble)};
    wait(group_->allreduce(io), "all-reduce of a scalar");
    return io[0].item<double>() / world_;
  }

  void barrier() override { wait(group_->barrier(), "barrier"); }

 private:
  // Rank 0's count and sizes of the tensors against ours: a different model
  // on some rank would otherwise broadcast garbage into the wrong shapes.
  void check_same_model(const std::vector<torch::Tensor>& tensors) {
    int64_t numel = 0;
    for (const auto& t : tensors) numel += t.numel();
    const auto ours = torch::tensor({static_cast<int64_t>(tensors.size()), numel}, torch::kLong);
    std::vector<at::Tensor> io{ours.clone()};
    wait(group_->broadcast(io), "broadcast of the model's shape");
    if (!torch::equal(io[0], ours))
      throw std::runtime_error("rank " + std::to_string(rank_) + " has " + std::to_string(tensors.size()) +
                               " tensors of " + std::to_string(numel) + " values; rank 0 has " +
                               std::to_string(io[0][0].item<int64_t>()) + " of " +
                               std::to_string(io[0][1].item<int64_t>()) + ": the ranks built different models");
  }

  void wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
    try {
      work->wait();
    } catch (const std::exception& e) {
      throw std::runtime_error("rank " + std::to_string(rank_) + ": " + what + " failed (another rank gone?): " +
                               message_of(e));
    }
  }

  int rank_, world_;
  int64_t bucket_bytes_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

}  // namespace

std::shared_ptr<Distributed> Distributed::from_environment(const torch::Device& device) {
  const WorldEnv w = read_environment();
  if (w.world == 1) return std::make_shared<SingleProcess>();
  if (device.is_cuda())
    throw InputError("data-parallel training on CUDA needs NCCL, which is not available in this build "
                     "(Debian's libtorch is CPU-only); train on the CPU (Gloo) or use a CUDA libtorch");
  // One world per process: a second call while the first world is alive
  // gets it again (a second rendezvous on the same port could not start).
  static std::mutex mutex;
  static std::weak_ptr<Distributed> current;
  static std::string current_key;
  const std::string key = std::to_string(w.rank) + "/" + std::to_string(w.world) + "@" + w.master_addr + ":" +
                          std::to_string(w.master_port);
  std::lock_guard<std::mutex> lock(mutex);
  if (auto alive = current.lock()) {
    if (key == current_key) return alive;
    throw InputError("this process already belongs to the world " + current_key + "; the environment now says " + key);
  }
  auto world = std::make_shared<GlooWorld>(w);
  current = world;
  current_key = key;
  return world;
}

}  // namespace scopemia::train
