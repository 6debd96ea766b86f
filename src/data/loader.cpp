#include "data/loader.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <torch/torch.h>

#include "core/error.h"
#include "core/random.h"
#include "core/tensor_bridge.h"
#include "data/augment.h"

namespace scopemia::data {
namespace {

uint64_t mix(uint64_t x) {  // SplitMix64's finaliser
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Copies a [k,H,W] window (any dtype) into a float buffer, converting.
template <typename T>
void copy_window(const torch::Tensor& window, float* out) {
  const torch::Tensor w = window.contiguous();
  const T* in = w.data_ptr<T>();
  for (int64_t i = 0, n = w.numel(); i < n; ++i) out[i] = float(in[i]);
}

}  // namespace

struct BatchLoader::State {
  const CaseDataset* dataset = nullptr;
  std::vector<SubvolumeRef> windows;
  LoaderOptions options;
  int64_t epoch = 0;
  int64_t batches = 0;
  uint64_t epoch_seed = 0;
  bool has_mci = false;

  std::mutex mutex;
  std::condition_variable work_cv, ready_cv;
  int64_t claimed = 0;   // next batch a worker takes
  int64_t consumed = 0;  // next batch next() returns
  struct Result {
    std::optional<Batch> batch;
    std::exception_ptr error;
  };
  std::map<int64_t, Result> ready;
  bool stop = false;
  std::exception_ptr failure;  // sticky: next() rethrows it once it was reached
  std::vector<std::thread> threads;
  std::atomic<double> waited{0.0};

  int64_t capacity() const { return int64_t(std::max(1, options.prefetch)) * options.workers; }

  Batch assemble(int64_t b) const;
  void work();
};

Batch BatchLoader::State::assemble(int64_t b) const {
  const int64_t bs = options.batch_size, k = options.windows.k();
  const int64_t first = b * bs, count = std::min<int64_t>(bs, int64_t(windows.size()) - first);
  const CaseRecord& head = (*dataset)[windows[size_t(first)].case_index];
  const int64_t h = head.prepared.image.height(), w = head.prepared.image.width();
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);

  Batch batch;
  batch.image = torch::empty({count, 1, k, h, w}, f32);
  batch.mask = torch::empty({count, 1, k, h, w}, f32);
  if (has_mci) batch.mci = torch::empty({count, 1, k, h, w}, f32);
  batch.valid = torch::empty({count, 1, k, 1, 1}, f32);
  if (options.target == TargetKind::kClassification) batch.target = torch::empty({count}, torch::kInt64);
  if (options.target == TargetKind::kRegression) batch.target = torch::empty({count}, f32);
  const int64_t volume = k * h * w;

  for (int64_t i = 0; i < count; ++i) {
    const int64_t position = first + i;
    const SubvolumeRef& ref = windows[size_t(position)];
    const CaseRecord& rec = (*dataset)[ref.case_index];
    if (rec.prepared.image.height() != h || rec.prepared.image.width() != w)
      throw InputError(fmt::format("cases {} (HxW {}x{}) and {} ({}x{}) differ in-plane: batches need a fixed "
                                   "in-plane size (preprocessing height/width)",
                                   head.id, h, w, rec.id, rec.prepared.image.height(), rec.prepared.image.width()));
    Sample s;
    s.image = torch::empty({1, k, h, w}, f32);
    s.mask = torch::empty({1, k, h, w}, f32);
    copy_window<float>(extract_subvolume(as_tensor(rec.prepared.image), ref, k, options.padding),
                       s.image.data_ptr<float>());
    copy_window<uint8_t>(extract_subvolume(as_tensor(rec.prepared.mask), ref, k, options.padding),
                         s.mask.data_ptr<float>());
    if (has_mci) {
      s.mci = torch::empty({1, k, h, w}, f32);
      copy_window<float>(extract_subvolume(as_tensor(*rec.mci), ref, k, options.padding), s.mci.data_ptr<float>());
    }
    s.valid = torch::empty({1, k, 1, 1}, f32);
    float* valid = s.valid.data_ptr<float>();
    for (int64_t z = 0; z < k; ++z) valid[z] = z < ref.valid ? 1.0f : 0.0f;

    if (options.augment.enabled()) {
      Random rng(epoch_seed, uint64_t(position));
      augment(s, options.augment, rng);
    }
    std::memcpy(batch.image.data_ptr<float>() + i * volume, s.image.contiguous().data_ptr<float>(),
                sizeof(float) * size_t(volume));
    std::memcpy(batch.mask.data_ptr<float>() + i * volume, s.mask.contiguous().data_ptr<float>(),
                sizeof(float) * size_t(volume));
    if (has_mci)
      std::memcpy(batch.mci.data_ptr<float>() + i * volume, s.mci.contiguous().data_ptr<float>(),
                  sizeof(float) * size_t(volume));
    std::memcpy(batch.valid.data_ptr<float>() + i * k, s.valid.contiguous().data_ptr<float>(), sizeof(float) * size_t(k));
    if (options.target == TargetKind::kClassification)
      batch.target.data_ptr<int64_t>()[i] = int64_t(std::llround(rec.target));
    if (options.target == TargetKind::kRegression) batch.target.data_ptr<float>()[i] = float(rec.target);
    batch.refs.push_back(ref);
  }
  return batch;
}

void BatchLoader::State::work() {
  for (;;) {
    int64_t b;
    {
      std::unique_lock<std::mutex> lock(mutex);
      work_cv.wait(lock, [&] { return stop || claimed >= batches || claimed < consumed + capacity(); });
      if (stop || claimed >= batches) return;
      b = claimed++;
    }
    Result result;
    try {
      result.batch = assemble(b);
    } catch (...) {
      result.error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      ready.emplace(b, std::move(result));
    }
    ready_cv.notify_all();
  }
}

BatchLoader::BatchLoader(const CaseDataset& dataset, std::vector<SubvolumeRef> windows, LoaderOptions options,
                         int64_t epoch)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  if (options.batch_size < 1) throw InputError("batch size must be >= 1");
  if (options.workers < 0) throw InputError("loader workers must be >= 0");
  for (const SubvolumeRef& r : windows) {
    if (r.case_index < 0 || r.case_index >= dataset.size())
      throw std::out_of_range(fmt::format("BatchLoader: window of case {} (dataset has {})", r.case_index, dataset.size()));
    const int64_t depth = dataset[r.case_index].prepared.image.depth();
    if (r.start < 0 || r.valid < 1 || r.valid > options.windows.k() || r.start + r.valid > depth)
      throw std::out_of_range(fmt::format("BatchLoader: window start {} valid {} of case {} ({} slices, k {})",
                                          r.start, r.valid, r.case_index, depth, options.windows.k()));
  }
  int64_t with_mci = 0;
  for (int64_t c = 0; c < dataset.size(); ++c) with_mci += dataset[c].mci.has_value();
  if (with_mci != 0 && with_mci != dataset.size()) throw InputError("some cases have an MCI map and some do not");
  s.has_mci = dataset.size() > 0 && with_mci == dataset.size();
  s.dataset = &dataset;
  s.windows = std::move(windows);
  s.options = options;
  s.epoch = epoch;
  const int64_t n = int64_t(s.windows.size());
  s.batches = options.drop_last ? n / options.batch_size : (n + options.batch_size - 1) / options.batch_size;
  s.epoch_seed = mix(mix(options.seed) ^ uint64_t(epoch));
  for (int t = 0; t < options.workers; ++t) s.threads.emplace_back([&s] { s.work(); });
}

BatchLoader::~BatchLoader() {
  State& s = *state_;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.stop = true;
  }
  s.work_cv.notify_all();
  for (auto& t : s.threads) t.join();
}

std::optional<Batch> BatchLoader::next() {
  State& s = *state_;
  if (s.failure) std::rethrow_exception(s.failure);
  if (s.consumed >= s.batches) return std::nullopt;
  const auto start = std::chrono::steady_clock::now();
  auto account = [&] {
    s.waited.store(s.waited.load() + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  };
  if (s.options.workers == 0) {  // assembled here: the whole time is waiting
    try {
      Batch b = s.assemble(s.consumed);
      ++s.consumed;
      account();
      return b;
    } catch (...) {
      account();
      s.failure = std::current_exception();
      throw;
    }
  }
  State::Result result;
  {
    std::unique_lock<std::mutex> lock(s.mutex);
    s.ready_cv.wait(lock, [&] { return s.ready.count(s.consumed) > 0; });
    account();
    auto it = s.ready.find(s.consumed);
    result = std::move(it->second);
    s.ready.erase(it);
    ++s.consumed;
    if (result.error) {
      s.failure = result.error;
      s.stop = true;  // nothing after a failed batch is wanted
    }
  }
  s.work_cv.notify_all();
  if (result.error) std::rethrow_exception(result.error);
  return std::move(result.batch);
}

int64_t BatchLoader::num_batches() const { return state_->batches; }

double BatchLoader::wait_seconds() const { return state_->waited.load(); }

}  // namespace scopemia::data
