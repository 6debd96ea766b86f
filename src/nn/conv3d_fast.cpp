#include "nn/conv3d_fast.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/torch.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"

namespace scopemia::nn {
namespace {

struct Shape {
  int64_t D, H, W, kd, kh, kw;
};

// out = b + sum over taps of w[tap] * (input shifted by the tap), one [D,H,W]
// plane, zero outside. flip: the kernel reversed in all three axes (the input
// gradient is this correlation of the output gradient with the flipped
// kernel, because the padding is symmetric).
template <typename T>
inline __attribute__((always_inline)) void conv_plane(const T* __restrict in, T* __restrict out,
                                                      const T* __restrict w, T b, const Shape& g,
                                                      bool flip) {
  const int64_t D = g.D, H = g.H, W = g.W, kd = g.kd, kh = g.kh, kw = g.kw;
  const int64_t pd = kd / 2, ph = kh / 2, pw = kw / 2;
  std::fill(out, out + D * H * W, b);
  for (int64_t z = 0; z < D; ++z) {
    for (int64_t i = 0; i < kd; ++i) {
      const int64_t zs = z + i - pd;
      if (zs < 0 || zs >= D) continue;
      for (int64_t y = 0; y < H; ++y) {
        T* __restrict dst = out + (z * H + y) * W;
        for (int64_t j = 0; j < kh; ++j) {
          const int64_t ys = y + j - ph;
          if (ys < 0 || ys >= H) continue;
          const T* __restrict src = in + (zs * H + ys) * W;
          const int64_t row = flip ? ((kd - 1 - i) * kh + (kh - 1 - j)) * kw : (i * kh + j) * kw;
          for (int64_t l = 0; l < kw; ++l) {
            const T wt = flip ? w[row + kw - 1 - l] : w[row + l];
            const int64_t off = l - pw;
            const int64_t x0 = std::max<int64_t>(0, -off), x1 = std::min<int64_t>(W, W - off);
            for (int64_t x = x0; x < x1; ++x) dst[x] += wt * src[x + off];
          }
        }
      }
    }
  }
}

// acc[tap * W + x] += sum over (z, y) of go[z,y,x] * in[z+i-pd, y+j-ph, x+l-pw]
// (the weight gradient before the sum over x), one plane.
template <typename T>
inline __attribute__((always_inline)) void weight_grad_plane(const T* __restrict in,
                                                             const T* __restrict go,
                                                             T* __restrict acc, const Shape& g) {
  const int64_t D = g.D, H = g.H, W = g.W, kd = g.kd, kh = g.kh, kw = g.kw;
  const int64_t pd = kd / 2, ph = kh / 2, pw = kw / 2;
  for (int64_t z = 0; z < D; ++z) {
    for (int64_t i = 0; i < kd; ++i) {
      const int64_t zs = z + i - pd;
      if (zs < 0 || zs >= D) continue;
      for (int64_t y = 0; y < H; ++y) {
        const T* __restrict grow = go + (z * H + y) * W;
        for (int64_t j = 0; j < kh; ++j) {
          const int64_t ys = y + j - ph;
          if (ys < 0 || ys >= H) continue;
          const T* __restrict src = in + (zs * H + ys) * W;
          for (int64_t l = 0; l < kw; ++l) {
            T* __restrict a = acc + ((i * kh + j) * kw + l) * W;
            const int64_t off = l - pw;
            const int64_t x0 = std::max<int64_t>(0, -off), x1 = std::min<int64_t>(W, W - off);
            for (int64_t x = x0; x < x1; ++x) a[x] += grow[x] * src[x + off];
          }
        }
      }
    }
  }
}

// One copy per instruction set, chosen at load time (AVX2+FMA where the CPU
// has it, the baseline otherwise).
#define SCOPEMIA_CLONES __attribute__((target_clones("arch=haswell", "default")))

SCOPEMIA_CLONES void conv_plane_f(const float* in, float* out, const float* w, float b, const Shape& g,
                                  bool flip) {
  conv_plane<float>(in, out, w, b, g, flip);
}
SCOPEMIA_CLONES void conv_plane_d(const double* in, double* out, const double* w, double b,
                                  const Shape& g, bool flip) {
  conv_plane<double>(in, out, w, b, g, flip);
}
SCOPEMIA_CLONES void weight_grad_plane_f(const float* in, const float* go, float* acc, const Shape& g) {
  weight_grad_plane<float>(in, go, acc, g);
}
SCOPEMIA_CLONES void weight_grad_plane_d(const double* in, const double* go, double* acc,
                                         const Shape& g) {
  weight_grad_plane<double>(in, go, acc, g);
}

void conv_plane_any(const float* in, float* out, const float* w, float b, const Shape& g, bool flip) {
  conv_plane_f(in, out, w, b, g, flip);
}
void conv_plane_any(const double* in, double* out, const double* w, double b, const Shape& g, bool flip) {
  conv_plane_d(in, out, w, b, g, flip);
}
void weight_grad_any(const float* in, const float* go, float* acc, const Shape& g) {
  weight_grad_plane_f(in, go, acc, g);
}
void weight_grad_any(const double* in, const double* go, double* acc, const Shape& g) {
  weight_grad_plane_d(in, go, acc, g);
}

Shape shape_of(const torch::Tensor& x, const torch::Tensor& w) {
  return {x.size(2), x.size(3), x.size(4), w.size(2), w.size(3), w.size(4)};
}

// x, w contiguous; b contiguous or undefined. flip: input-gradient form.
torch::Tensor run_conv(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, bool flip) {
  auto out = torch::empty_like(x, torch::MemoryFormat::Contiguous);
  const Shape g = shape_of(x, w);
  const int64_t C = x.size(1), planes = x.size(0) * C, plane = g.D * g.H * g.W, taps = g.kd * g.kh * g.kw;
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "depthwise_conv3d", [&] {
    const scalar_t* xp = x.data_ptr<scalar_t>();
    const scalar_t* wp = w.data_ptr<scalar_t>();
    const scalar_t* bp = b.defined() ? b.data_ptr<scalar_t>() : nullptr;
    scalar_t* op = out.data_ptr<scalar_t>();
    at::parallel_for(0, planes, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        const int64_t c = p % C;
        conv_plane_any(xp + p * plane, op + p * plane, wp + c * taps, bp ? bp[c] : scalar_t(0), g, flip);
      }
    });
  });
  return out;
}

// Weight gradient [C,1,kd,kh,kw] and bias gradient [C] (sums in double).
std::pair<torch::Tensor, torch::Tensor> run_weight_grad(const torch::Tensor& x, const torch::Tensor& go,
                                                        const torch::Tensor& w, bool want_bias) {
  const Shape g = shape_of(x, w);
  const int64_t N = x.size(0), C = x.size(1), plane = g.D * g.H * g.W, taps = g.kd * g.kh * g.kw;
  auto gw = torch::empty_like(w, torch::MemoryFormat::Contiguous);
  torch::Tensor gb = want_bias ? torch::empty({C}, w.options()) : torch::Tensor();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "depthwise_conv3d_weight_grad", [&] {
    const scalar_t* xp = x.data_ptr<scalar_t>();
    const scalar_t* gp = go.data_ptr<scalar_t>();
    scalar_t* gwp = gw.data_ptr<scalar_t>();
    scalar_t* gbp = want_bias ? gb.data_ptr<scalar_t>() : nullptr;
    at::parallel_for(0, C, 1, [&](int64_t c0, int64_t c1) {
      std::vector<scalar_t> acc(static_cast<size_t>(taps * g.W));
      for (int64_t c = c0; c < c1; ++c) {
        std::fill(acc.begin(), acc.end(), scalar_t(0));
        double bias_sum = 0;
        for (int64_t n = 0; n < N; ++n) {
          const int64_t p = n * C + c;
          weight_grad_any(xp + p * plane, gp + p * plane, acc.data(), g);
          if (gbp) {
            const scalar_t* q = gp + p * plane;
            for (int64_t r = 0; r < plane; r += g.W) {
              scalar_t row = 0;
              for (int64_t x = 0; x < g.W; ++x) row += q[r + x];
              bias_sum += row;
            }
          }
        }
        for (int64_t t = 0; t < taps; ++t) {
          double s = 0;
          for (int64_t x = 0; x < g.W; ++x) s += acc[t * g.W + x];
          gwp[c * taps + t] = static_cast<scalar_t>(s);
        }
        if (gbp) gbp[c] = static_cast<scalar_t>(bias_sum);
      }
    });
  });
  return {gw, gb};
}

// ---- channels-last [N,D,H,W,C]: the inner loops run along C ----------------

// One output row (n, z, y): out[x][c] = b[c] + sum over taps of
// wt[tap][c] * in[z+i-pd][y+j-ph][x+l-pw][c]. `in` is the sample [D,H,W,C],
// wt the weight as [taps][C]; flip reads the taps reversed (input gradient).
template <typename T>
inline __attribute__((always_inline)) void conv_row_cl(const T* __restrict in, T* __restrict out,
                                                       const T* __restrict wt, const T* __restrict bias,
                                                       int64_t z, int64_t y, const Shape& g, int64_t C,
                                                       bool flip) {
  const int64_t D = g.D, H = g.H, W = g.W, kd = g.kd, kh = g.kh, kw = g.kw;
  const int64_t pd = kd / 2, ph = kh / 2, pw = kw / 2, taps = kd * kh * kw;
  for (int64_t x = 0; x < W; ++x) {
    T* __restrict o = out + x * C;
    if (bias) {
      for (int64_t c = 0; c < C; ++c) o[c] = bias[c];
    } else {
      for (int64_t c = 0; c < C; ++c) o[c] = T(0);
    }
  }
  for (int64_t i = 0; i < kd; ++i) {
    const int64_t zs = z + i - pd;
    if (zs < 0 || zs >= D) continue;
    for (int64_t j = 0; j < kh; ++j) {
      const int64_t ys = y + j - ph;
      if (ys < 0 || ys >= H) continue;
      const T* __restrict src = in + (zs * H + ys) * W * C;
      for (int64_t l = 0; l < kw; ++l) {
        const int64_t tap = (i * kh + j) * kw + l;
        const T* __restrict w = wt + (flip ? taps - 1 - tap : tap) * C;
        const int64_t off = l - pw;
        const int64_t x0 = std::max<int64_t>(0, -off), x1 = std::min<int64_t>(W, W - off);
        for (int64_t x = x0; x < x1; ++x) {
          T* __restrict o = out + x * C;
          const T* __restrict sx = src + (x + off) * C;
          for (int64_t c = 0; c < C; ++c) o[c] += w[c] * sx[c];
        }
      }
    }
  }
}

// acc[tap][c] += sum over x of go[x][c] * in[z+i-pd][y+j-ph][x+l-pw][c] for
// one row (n, z, y) of the output gradient.
template <typename T>
inline __attribute__((always_inline)) void weight_grad_row_cl(const T* __restrict in, const T* __restrict go,
                                                              T* __restrict acc, int64_t z, int64_t y,
                                                              const Shape& g, int64_t C) {
  const int64_t D = g.D, H = g.H, W = g.W, kd = g.kd, kh = g.kh, kw = g.kw;
  const int64_t pd = kd / 2, ph = kh / 2, pw = kw / 2;
  for (int64_t i = 0; i < kd; ++i) {
    const int64_t zs = z + i - pd;
    if (zs < 0 || zs >= D) continue;
    for (int64_t j = 0; j < kh; ++j) {
      const int64_t ys = y + j - ph;
      if (ys < 0 || ys >= H) continue;
      const T* __restrict src = in + (zs * H + ys) * W * C;
      for (int64_t l = 0; l < kw; ++l) {
        T* __restrict a = acc + ((i * kh + j) * kw + l) * C;
        const int64_t off = l - pw;
        const int64_t x0 = std::max<int64_t>(0, -off), x1 = std::min<int64_t>(W, W - off);
        for (int64_t x = x0; x < x1; ++x) {
          const T* __restrict gx = go + x * C;
          const T* __restrict sx = src + (x + off) * C;
          for (int64_t c = 0; c < C; ++c) a[c] += gx[c] * sx[c];
        }
      }
    }
  }
}

SCOPEMIA_CLONES void conv_row_cl_f(const float* in, float* out, const float* wt, const float* bias, int64_t z,
                                   int64_t y, const Shape& g, int64_t C, bool flip) {
  conv_row_cl<float>(in, out, wt, bias, z, y, g, C, flip);
}
SCOPEMIA_CLONES void conv_row_cl_d(const double* in, double* out, const double* wt, const double* bias, int64_t z,
                                   int64_t y, const Shape& g, int64_t C, bool flip) {
  conv_row_cl<double>(in, out, wt, bias, z, y, g, C, flip);
}
SCOPEMIA_CLONES void weight_grad_row_cl_f(const float* in, const float* go, float* acc, int64_t z, int64_t y,
                                          const Shape& g, int64_t C) {
  weight_grad_row_cl<float>(in, go, acc, z, y, g, C);
}
SCOPEMIA_CLONES void weight_grad_row_cl_d(const double* in, const double* go, double* acc, int64_t z, int64_t y,
                                          const Shape& g, int64_t C) {
  weight_grad_row_cl<double>(in, go, acc, z, y, g, C);
}
void conv_row_cl_any(const float* in, float* out, const float* wt, const float* bias, int64_t z, int64_t y,
                     const Shape& g, int64_t C, bool flip) {
  conv_row_cl_f(in, out, wt, bias, z, y, g, C, flip);
}
void conv_row_cl_any(const double* in, double* out, const double* wt, const double* bias, int64_t z, int64_t y,
                     const Shape& g, int64_t C, bool flip) {
  conv_row_cl_d(in, out, wt, bias, z, y, g, C, flip);
}
void weight_grad_row_cl_any(const float* in, const float* go, float* acc, int64_t z, int64_t y, const Shape& g,
                            int64_t C) {
  weight_grad_row_cl_f(in, go, acc, z, y, g, C);
}
void weight_grad_row_cl_any(const double* in, const double* go, double* acc, int64_t z, int64_t y,
                            const Shape& g, int64_t C) {
  weight_grad_row_cl_d(in, go, acc, z, y, g, C);
}

// x [N,D,H,W,C] contiguous, w [C,1,kd,kh,kw]; flip: input-gradient form.
torch::Tensor run_conv_cl(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, bool flip) {
  auto out = torch::empty_like(x, torch::MemoryFormat::Contiguous);
  const Shape g{x.size(1), x.size(2), x.size(3), w.size(2), w.size(3), w.size(4)};
  const int64_t N = x.size(0), C = x.size(4), taps = g.kd * g.kh * g.kw;
  const auto wt = w.reshape({C, taps}).t().contiguous();  // [taps][C]
  const int64_t sample = g.D * g.H * g.W * C, rows = N * g.D * g.H;
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "depthwise_conv3d_cl", [&] {
    const scalar_t* xp = x.data_ptr<scalar_t>();
    const scalar_t* wp = wt.data_ptr<scalar_t>();
    const scalar_t* bp = b.defined() ? b.data_ptr<scalar_t>() : nullptr;
    scalar_t* op = out.data_ptr<scalar_t>();
    at::parallel_for(0, rows, 1, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t n = r / (g.D * g.H), z = (r / g.H) % g.D, y = r % g.H;
        conv_row_cl_any(xp + n * sample, op + r * g.W * C, wp, bp, z, y, g, C, flip);
      }
    });
  });
  return out;
}

// Weight gradient [C,1,kd,kh,kw] and bias gradient [C] from channels-last
// input and output gradient: float partial sums per row, double totals.
std::pair<torch::Tensor, torch::Tensor> run_weight_grad_cl(const torch::Tensor& x, const torch::Tensor& go,
                                                           const torch::Tensor& w, bool want_bias) {
  const Shape g{x.size(1), x.size(2), x.size(3), w.size(2), w.size(3), w.size(4)};
  const int64_t N = x.size(0), C = x.size(4), taps = g.kd * g.kh * g.kw;
  const int64_t sample = g.D * g.H * g.W * C, rows = N * g.D * g.H;
  const int threads = at::get_num_threads();
  std::vector<std::vector<double>> total(threads, std::vector<double>(static_cast<size_t>((taps + 1) * C), 0.0));
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "depthwise_conv3d_cl_weight_grad", [&] {
    const scalar_t* xp = x.data_ptr<scalar_t>();
    const scalar_t* gp = go.data_ptr<scalar_t>();
    at::parallel_for(0, rows, 1, [&](int64_t r0, int64_t r1) {
      auto& t = total[at::get_thread_num()];
      std::vector<scalar_t> acc(static_cast<size_t>(taps * C));
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t n = r / (g.D * g.H), z = (r / g.H) % g.D, y = r % g.H;
        const scalar_t* grow = gp + r * g.W * C;
        std::fill(acc.begin(), acc.end(), scalar_t(0));
        weight_grad_row_cl_any(xp + n * sample, grow, acc.data(), z, y, g, C);
        for (int64_t k = 0; k < taps * C; ++k) t[k] += acc[k];
        if (want_bias) {
          double* tb = t.data() + taps * C;
          for (int64_t xx = 0; xx < g.W; ++xx)
            for (int64_t c = 0; c < C; ++c) tb[c] += grow[xx * C + c];
        }
      }
    });
  });
  for (int k = 1; k < threads; ++k)
    for (size_t e = 0; e < total[0].size(); ++e) total[0][e] += total[k][e];
  // clone: the sums must outlive `total` (to() returns the same storage for double).
  auto sums = torch::from_blob(total[0].data(), {taps + 1, C}, torch::kDouble).clone().to(w.scalar_type());
  auto gw = sums.narrow(0, 0, taps).t().contiguous().view(w.sizes());
  torch::Tensor gb = want_bias ? sums[taps].contiguous() : torch::Tensor();
  return {gw, gb};
}

// Reports a call to the RecordFunction observers as "aten::conv3d" with
// (input, weight, bias) and its output, when any observer is active.
class RecordedConv {
 public:
  RecordedConv(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
    if (guard_.isActive()) {
      args_ = {x, w, b.defined() ? c10::IValue(b) : c10::IValue()};
      guard_.before("aten::conv3d", c10::ArrayRef<const c10::IValue>(args_.data(), args_.size()));
    }
  }
  torch::Tensor done(torch::Tensor out) {
    if (guard_.isActive() && guard_.needsOutputs()) guard_.setOutputs(std::vector<c10::IValue>{out});
    return out;
  }

 private:
  at::RecordFunction guard_{at::RecordScope::FUNCTION};
  std::vector<c10::IValue> args_;
};

// The depthwise kernels of one memory layout (run_conv / run_weight_grad
// for NCDHW, the _cl pair for channels-last) as one autograd function:
// backward runs the flipped kernel for the input gradient and the layout's
// own weight/bias gradient.
struct Ncdhw {
  static constexpr auto conv = run_conv;
  static constexpr auto weight_grad = run_weight_grad;
};
struct ChannelsLast {
  static constexpr auto conv = run_conv_cl;
  static constexpr auto weight_grad = run_weight_grad_cl;
};

template <class Layout>
torch::autograd::variable_list depthwise_backward(torch::autograd::AutogradContext* ctx,
                                                  const torch::autograd::variable_list& grads, bool has_bias) {
  const auto saved = ctx->get_saved_variables();
  const auto& x = saved[0];
  const auto& w = saved[1];
  torch::Tensor gx, gw, gb;
  if (grads[0].defined()) {
    const auto go = grads[0].contiguous();
    if (ctx->needs_input_grad(0)) gx = Layout::conv(go, w, torch::Tensor(), /*flip=*/true);
    const bool want_w = ctx->needs_input_grad(1);
    const bool want_b = has_bias && ctx->needs_input_grad(2);
    if (want_w || want_b) {
      auto [w_grad, b_grad] = Layout::weight_grad(x, go, w, want_b);
      if (want_w) gw = w_grad;
      if (want_b) gb = b_grad;
    }
  }
  if (has_bias) return {gx, gw, gb};
  return {gx, gw};
}

// Two autograd functions per layout: an undefined tensor cannot be an input.
template <class Layout>
class DepthwiseConv3dBias : public torch::autograd::Function<DepthwiseConv3dBias<Layout>> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& w, const torch::Tensor& b) {
    const auto xc = x.contiguous();
    const auto wc = w.contiguous();
    ctx->save_for_backward({xc, wc});
    return Layout::conv(xc, wc, b.contiguous(), /*flip=*/false);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    return depthwise_backward<Layout>(ctx, grads, true);
  }
};

template <class Layout>
class DepthwiseConv3dNoBias : public torch::autograd::Function<DepthwiseConv3dNoBias<Layout>> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& w) {
    const auto xc = x.contiguous();
    const auto wc = w.contiguous();
    ctx->save_for_backward({xc, wc});
    return Layout::conv(xc, wc, torch::Tensor(), /*flip=*/false);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    return depthwise_backward<Layout>(ctx, grads, false);
  }
};

// A depthwise call's name and layout, for its checks and messages.
struct DepthwiseCall {
  const char* name;
  const char* x_layout;
  int64_t channel_dim;
};

// Checks the shapes (InputError otherwise) and says whether the kernels here
// run the call: CPU float or double, one dtype throughout.
bool runs_on_own_kernels(const DepthwiseCall& call, const torch::Tensor& x, const torch::Tensor& weight,
                         const torch::Tensor& bias) {
  const std::string name = call.name;
  if (x.dim() != 5 || weight.dim() != 5 || weight.size(0) != x.size(call.channel_dim) || weight.size(1) != 1)
    throw InputError(name + ": needs x " + call.x_layout + " and weight [C,1,kd,kh,kw]");
  for (int a = 2; a < 5; ++a)
    if (weight.size(a) % 2 == 0) throw InputError(name + ": kernel sizes must be odd");
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != x.size(call.channel_dim)))
    throw InputError(name + ": bias must be [C]");
  return x.device().is_cpu() && weight.device().is_cpu() &&
         (x.scalar_type() == torch::kFloat || x.scalar_type() == torch::kDouble) &&
         weight.scalar_type() == x.scalar_type() && (!bias.defined() || bias.scalar_type() == x.scalar_type());
}

}  // namespace

torch::Tensor depthwise_conv3d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (!runs_on_own_kernels(DepthwiseCall{"depthwise_conv3d", "[N,C,D,H,W]", 1}, x, weight, bias)) {
    return torch::conv3d(x, weight, bias, 1, {weight.size(2) / 2, weight.size(3) / 2, weight.size(4) / 2}, 1,
                         x.size(1));
  }
  RecordedConv record(x, weight, bias);
  return record.done(bias.defined() ? DepthwiseConv3dBias<Ncdhw>::apply(x, weight, bias)
                                    : DepthwiseConv3dNoBias<Ncdhw>::apply(x, weight));
}

torch::Tensor dense_conv3d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                           int64_t padding) {
  if (x.dim() != 5 || weight.dim() != 5 || weight.size(1) != x.size(1)) {
    throw InputError("dense_conv3d: needs x [N,Cin,D,H,W] and weight [Cout,Cin,kd,kh,kw]");
  }
  const bool onednn = at::hasMKLDNN() && at::globalContext().userEnabledMkldnn() && x.device().is_cpu() &&
                      weight.device().is_cpu() && x.scalar_type() == torch::kFloat &&
                      weight.scalar_type() == torch::kFloat && (!bias.defined() || bias.scalar_type() == torch::kFloat);
  if (!onednn) return torch::conv3d(x, weight, bias, 1, padding);
  RecordedConv record(x, weight, bias);
  return record.done(at::mkldnn_convolution(x.contiguous(), weight, bias, {padding, padding, padding}, {1, 1, 1},
                                            {1, 1, 1}, 1));
}

torch::Tensor pointwise_conv3d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (x.dim() != 5 || weight.dim() != 5 || weight.size(1) != x.size(1) || weight.size(2) != 1 ||
      weight.size(3) != 1 || weight.size(4) != 1) {
    throw InputError("pointwise_conv3d: needs x [N,Cin,D,H,W] and weight [Cout,Cin,1,1,1]");
  }
  const int64_t N = x.size(0), Cin = x.size(1), Cout = weight.size(0);
  const int64_t S = x.size(2) * x.size(3) * x.size(4);
  RecordedConv record(x, weight, bias);
  const auto w = weight.view({Cout, Cin});
  torch::Tensor y;
  if (N == 1) {
    const auto x2 = x.reshape({Cin, S});
    y = bias.defined() ? torch::addmm(bias.view({Cout, 1}), w, x2) : torch::mm(w, x2);
  } else {
    y = torch::matmul(w, x.reshape({N, Cin, S}));
    if (bias.defined()) y = y + bias.view({1, Cout, 1});
  }
  return record.done(y.view({N, Cout, x.size(2), x.size(3), x.size(4)}));
}

}  // namespace scopemia::nn

namespace scopemia::nn {

torch::Tensor depthwise_conv3d_channels_last(const torch::Tensor& x, const torch::Tensor& weight,
                                             const torch::Tensor& bias) {
  if (!runs_on_own_kernels(DepthwiseCall{"depthwise_conv3d_channels_last", "[N,D,H,W,C]", 4}, x, weight, bias)) {
    return torch::conv3d(x.permute({0, 4, 1, 2, 3}), weight, bias, 1,
                         {weight.size(2) / 2, weight.size(3) / 2, weight.size(4) / 2}, 1, x.size(4))
        .permute({0, 2, 3, 4, 1})
        .contiguous();
  }
  RecordedConv record(x.permute({0, 4, 1, 2, 3}), weight, bias);
  return record.done(bias.defined() ? DepthwiseConv3dBias<ChannelsLast>::apply(x, weight, bias)
                                    : DepthwiseConv3dNoBias<ChannelsLast>::apply(x, weight));
}

}  // namespace scopemia::nn
