#pragma once
// Embedders for cases embedded in parallel: an Embedder (its model and its
// scratch) is not shared between threads, so the pool builds one per worker
// and each case leases one for as long as it runs.
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "infer/embed.h"

namespace scopemia::infer {

class EmbedderPool {
 public:
  using Make = std::function<std::unique_ptr<Embedder>()>;

  // `count` embedders from `make` (at least one).
  EmbedderPool(const Make& make, int count);

  // One of them, for what all share (names()).
  const Embedder& any() const { return *all_.front(); }

  // An embedder no other lease holds, given back when the lease ends.
  class Lease {
   public:
    Lease(EmbedderPool& pool, Embedder* embedder) : pool_(pool), embedder_(embedder) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_.give_back(embedder_); }
    Embedder& operator*() const { return *embedder_; }
    Embedder* operator->() const { return embedder_; }

   private:
    EmbedderPool& pool_;
    Embedder* embedder_;
  };
  // Throws std::logic_error when more leases than embedders are held.
  Lease lease();

 private:
  void give_back(Embedder* embedder);
  std::vector<std::unique_ptr<Embedder>> all_;
  std::vector<Embedder*> free_;
  std::mutex mutex_;
};

}  // namespace scopemia::infer
