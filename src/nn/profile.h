#pragma once
// Model complexity: parameters, FLOPs counted per operator from shapes,
// peak tensor memory and median forward / training-step times
// (`scopemia profile`, docs/networks.md "Profiling"). The header is free of
// torch types so the CLI compiles quickly.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace scopemia::nn {

// Forward FLOPs by operator class (one multiply-add = 2 FLOPs):
//   conv:        2 * N * Cout * Dout*Hout*Wout * (Cin/groups) * kD*kH*kW
//                (transposed: 2 * N * Cin * Din*Hin*Win * (Cout/groups) * kD*kH*kW)
//   linear:      2 * rows * in * out (linear, addmm, mm, bmm, matmul)
//   norm:        5 per element (batch, layer, group, instance norm)
//   elementwise: 1 per output element (arithmetic, activations; softmax 3)
//   reduction:   1 per input element (pooling, mean, sum)
// Data movement (cat, slicing, padding, permutes, copies, interpolation)
// counts 0. A bias added inside a conv / addmm kernel is not counted; a bias
// added by a separate add (libtorch's Linear on inputs of more than 2
// dimensions) is elementwise. An operator nested inside a counted one is not
// counted again.
struct FlopBreakdown {
  double conv = 0, linear = 0, norm = 0, elementwise = 0, reduction = 0;
  double total() const { return conv + linear + norm + elementwise + reduction; }
};

// Counts the operators dispatched on this thread while it lives (RecordFunction
// callbacks). One counter at a time.
class FlopCounter {
 public:
  FlopCounter();
  ~FlopCounter();
  FlopCounter(const FlopCounter&) = delete;
  FlopCounter& operator=(const FlopCounter&) = delete;
  FlopBreakdown result() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Peak bytes of tensor storage allocated on this thread (and the threads its
// operators hand work to) while it lives, above the level at its start, from
// the allocators' profiler reports (CPU and CUDA).
class PeakMemoryTracker {
 public:
  PeakMemoryTracker();
  ~PeakMemoryTracker();
  PeakMemoryTracker(const PeakMemoryTracker&) = delete;
  PeakMemoryTracker& operator=(const PeakMemoryTracker&) = delete;
  int64_t peak_bytes() const;
  int64_t current_bytes() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

struct ProfileOptions {
  std::string model = "convnext3d_small";
  bool pde = false;
  std::vector<int> pde_stages{1, 2};   // stages followed by a PDE block with --pde
  std::array<int64_t, 3> input{16, 128, 128};  // D, H, W
  int64_t batch = 1;
  std::string device = "cpu";          // "cpu" or "cuda"
  int warmup = 1;
  int repeats = 5;                     // timed runs (median reported)
  bool timing = true;                  // false: parameters, FLOPs and memory only
  int64_t dw_kernel = 3;               // ConvNeXt depthwise kernel (CPU preset; the paper: 7)
  bool dw_separable = false;
  bool pde_losses = true;               // the training step adds the blocks' PDE losses
};

struct ProfileResult {
  std::string model;
  bool pde = false;
  std::string device;
  int64_t params = 0;
  int64_t pde_params = 0;             // parameters inside the PDE blocks
  FlopBreakdown flops;                // one forward pass of the whole batch
  int64_t peak_memory_bytes = 0;      // see docs/networks.md
  double forward_ms = 0;              // median, eval mode, no autograd
  double train_step_ms = 0;           // median forward + loss + backward
};

ProfileResult profile_model(const ProfileOptions& options);

// The models of `scopemia profile --table`: one per family and size.
std::vector<std::string> profile_table_models();

}  // namespace scopemia::nn
