#pragma once
// Data-parallel training over c10d: one process per rank, gradients averaged
// by all-reduce after every backward, parameters broadcast from rank 0 at the
// start. Gloo on CPU, NCCL on CUDA. The world comes from the torchrun-style
// environment (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) that
// `scopemia launch` sets; without it the world is this one process.
#include <memory>
#include <string>

#include <torch/torch.h>

namespace scopemia::train {

class Distributed {
 public:
  // From the environment; WORLD_SIZE unset or 1: a world of one process.
  static std::shared_ptr<Distributed> from_environment(const torch::Device& device = torch::kCPU);
  virtual ~Distributed() = default;

  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  bool is_main() const { return rank() == 0; }

  // Rank 0's parameters and buffers to every rank.
  virtual void broadcast_parameters(torch::nn::Module& module) = 0;
  // Each parameter's gradient replaced by its mean over ranks.
  virtual void average_gradients(torch::nn::Module& module) = 0;
  // Mean of a scalar over ranks (for logging).
  virtual double average(double value) = 0;
  virtual void barrier() = 0;
};

}  // namespace scopemia::train
