#include "infer/embedder_pool.h"

#include <algorithm>
#include <stdexcept>

namespace scopemia::infer {

EmbedderPool::EmbedderPool(const Make& make, int count) {
  for (int i = 0; i < std::max(1, count); ++i) all_.push_back(make());
  for (auto& e : all_) free_.push_back(e.get());
}

EmbedderPool::Lease EmbedderPool::lease() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (free_.empty()) throw std::logic_error("EmbedderPool: more leases than embedders");
  Embedder* e = free_.back();
  free_.pop_back();
  return Lease(*this, e);
}

void EmbedderPool::give_back(Embedder* embedder) {
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(embedder);
}

}  // namespace scopemia::infer
