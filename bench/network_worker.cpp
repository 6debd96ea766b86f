// bench_network_worker: the scopemia side of bench/pytorch_compare.sh.
//
// A long-lived process that builds networks and times one step at a time on
// request, so that a driver (bench/pytorch/compare.py) can interleave it with
// PyTorch step by step (A B A B ...) and both sides see the same machine
// state. Protocol, one command per line on stdin, one answer line on stdout:
//
//   threads N                      -> ok            (torch::set_num_threads)
//   setup ID key=value ...         -> ok params=P   (builds model + input)
//   run ID                         -> t=MS          (one timed step)
//   perturb ID                     -> ok            (parameters := 0.2 randn)
//   save ID DIR                    -> ok            (weights, input, output)
//   quit
//
// setup keys: model (registered name), pde (0/1; blocks after stages 1,2),
// pde_losses (0/1), kernel (depthwise kernel), input (DxHxW), batch,
// mode: fwd    eval, no autograd, backbone + linear head;
//       fwdbwd train mode, zero_grad, forward, y.sum(), backward;
//       train  fwdbwd + AdamW step (lr 1e-4, weight decay 0.05);
//       mae    backbone + UNetDecoder, MSE to the input, backward, AdamW step.
// Errors answer "err MESSAGE". Start-up calls scopemia::tune_malloc() like
// the scopemia program does (--no-tune-malloc to skip).
#include <torch/torch.h>

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "core/runtime.h"
#include "nn/backbone.h"
#include "nn/decoder.h"
#include "nn/heads.h"
#include "nn/pde_losses.h"

namespace {

using namespace scopemia;

struct Setup {
  std::string mode = "fwdbwd";
  bool pde_losses = true;
  std::shared_ptr<nn::BackboneImpl> backbone;
  nn::LinearHead head{nullptr};
  nn::UNetDecoder decoder{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::shared_ptr<torch::nn::Module> holder;
  std::vector<torch::Tensor> params;
  torch::Tensor x;

  // The output that compare.py checks against the replica: the head's logits
  // or the decoder's reconstruction, in the current mode (no autograd).
  torch::Tensor output() {
    torch::NoGradGuard no_grad;
    auto out = backbone->forward(x);
    if (mode == "mae") return decoder->forward(out.stages, {x.size(2), x.size(3), x.size(4)});
    return head->forward(out.stages.back());
  }

  torch::Tensor loss() {
    auto out = backbone->forward(x);
    torch::Tensor loss;
    if (mode == "mae") {
      auto y = decoder->forward(out.stages, {x.size(2), x.size(3), x.size(4)});
      loss = torch::mse_loss(y, x);
    } else {
      loss = head->forward(out.stages.back()).sum();
    }
    if (pde_losses) {
      auto& blocks = backbone->pde_blocks();
      for (size_t i = 0; i < out.pde_states.size() && i < blocks.size(); ++i)
        loss = loss + nn::pde_losses(*blocks[i], out.pde_states[i], nn::PdeLossWeights{}).total;
    }
    return loss;
  }

  void step() {
    if (mode == "fwd") {
      torch::NoGradGuard no_grad;
      auto out = backbone->forward(x);
      auto y = head->forward(out.stages.back());
      (void)y;
      return;
    }
    if (optimizer) {
      optimizer->zero_grad();
    } else {
      for (auto& p : params)
        if (p.grad().defined()) {
          p.mutable_grad().detach_();
          p.mutable_grad().zero_();
        }
    }
    loss().backward();
    if (optimizer) optimizer->step();
  }
};

std::map<std::string, std::string> parse_keys(std::istringstream& in) {
  std::map<std::string, std::string> kv;
  std::string item;
  while (in >> item) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) throw std::runtime_error("expected key=value, got " + item);
    kv[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return kv;
}

std::unique_ptr<Setup> make_setup(const std::map<std::string, std::string>& kv) {
  auto get = [&](const std::string& k, const std::string& def) {
    auto it = kv.find(k);
    return it == kv.end() ? def : it->second;
  };
  auto s = std::make_unique<Setup>();
  s->mode = get("mode", "fwdbwd");
  if (s->mode != "fwd" && s->mode != "fwdbwd" && s->mode != "train" && s->mode != "mae")
    throw std::runtime_error("unknown mode " + s->mode);
  nn::BackboneOptions bo;
  bo.kernel_size = std::stoll(get("kernel", "3"));
  if (get("pde", "0") == "1") bo.pde_stages = {1, 2};
  s->pde_losses = get("pde_losses", "1") == "1" && !bo.pde_stages.empty();
  s->backbone = nn::create(get("model", "convnext3d_nano"), bo);
  int64_t D = 16, H = 128, W = 128;
  if (std::sscanf(get("input", "16x128x128").c_str(), "%ldx%ldx%ld", &D, &H, &W) != 3)
    throw std::runtime_error("input must be DxHxW");
  const int64_t batch = std::stoll(get("batch", "1"));
  torch::manual_seed(0);
  s->x = torch::randn({batch, bo.in_channels, D, H, W});
  s->holder = std::make_shared<torch::nn::Module>();
  auto& holder = *s->holder;
  holder.register_module("backbone", s->backbone);
  if (s->mode == "mae") {
    nn::DecoderConfig dc;
    dc.stage_channels = s->backbone->stage_channels();
    dc.out_channels = bo.in_channels;
    s->decoder = holder.register_module("decoder", nn::UNetDecoder(dc));
  } else {
    s->head = holder.register_module("head", nn::LinearHead(s->backbone->out_channels(), 2));
  }
  s->params = holder.parameters();
  if (s->mode == "train" || s->mode == "mae")
    s->optimizer = std::make_unique<torch::optim::AdamW>(
        s->params, torch::optim::AdamWOptions(1e-4).weight_decay(0.05));
  if (s->mode == "fwd") {
    holder.eval();
  } else {
    holder.train();
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  bool tune = true;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--no-tune-malloc") tune = false;
  if (tune) tune_malloc();
  torch::set_num_threads(1);
  std::map<std::string, std::unique_ptr<Setup>> setups;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    try {
      if (cmd == "quit") break;
      if (cmd == "threads") {
        int n = 1;
        in >> n;
        torch::set_num_threads(n);
        std::cout << "ok" << std::endl;
      } else if (cmd == "setup") {
        std::string id;
        in >> id;
        auto s = make_setup(parse_keys(in));
        int64_t n = 0;
        for (const auto& p : s->params) n += p.numel();
        setups[id] = std::move(s);
        std::cout << "ok params=" << n << std::endl;
      } else if (cmd == "drop") {
        std::string id;
        in >> id;
        setups.erase(id);
        std::cout << "ok" << std::endl;
      } else if (cmd == "perturb") {
        // perturb ID: every parameter := 0.2 * randn (seed 1), so that a
        // comparison of outputs exercises every layer (the layer scale starts
        // at 1e-6 and would hide the blocks).
        std::string id;
        in >> id;
        auto it = setups.find(id);
        if (it == setups.end()) throw std::runtime_error("no setup " + id);
        torch::NoGradGuard no_grad;
        torch::manual_seed(1);
        for (auto& p : it->second->params) p.copy_(torch::randn_like(p) * 0.2);
        std::cout << "ok" << std::endl;
      } else if (cmd == "save") {
        // save ID DIR: DIR/model.pt (parameters, torch::save), DIR/input.pt,
        // DIR/output.pt (tensors in a module archive, for torch.jit.load).
        std::string id, dir;
        in >> id >> dir;
        auto it = setups.find(id);
        if (it == setups.end()) throw std::runtime_error("no setup " + id);
        auto& s = *it->second;
        torch::save(s.holder, dir + "/model.pt");
        torch::nn::Module io;
        io.register_buffer("input", s.x);
        io.register_buffer("output", s.output());
        torch::serialize::OutputArchive archive;
        io.save(archive);
        archive.save_to(dir + "/io.pt");
        std::cout << "ok" << std::endl;
      } else if (cmd == "run") {
        std::string id;
        in >> id;
        auto it = setups.find(id);
        if (it == setups.end()) throw std::runtime_error("no setup " + id);
        const auto t0 = std::chrono::steady_clock::now();
        it->second->step();
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        std::cout << "t=" << ms << std::endl;
      } else {
        throw std::runtime_error("unknown command " + cmd);
      }
    } catch (const std::exception& e) {
      std::string msg = e.what();
      for (auto& c : msg)
        if (c == '\n') c = ' ';
      std::cout << "err " << msg << std::endl;
    }
  }
  return 0;
}
