#include "train/distributed.h"

#include <cstdlib>

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

}  // namespace

std::shared_ptr<Distributed> Distributed::from_environment(const torch::Device&) {
  const char* world = std::getenv("WORLD_SIZE");
  if (world && std::atoi(world) > 1)
    throw InputError("WORLD_SIZE > 1: multi-process training is not built yet");
  return std::make_shared<SingleProcess>();
}

}  // namespace scopemia::train
