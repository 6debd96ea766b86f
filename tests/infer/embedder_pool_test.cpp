// infer/embedder_pool: each lease holds an embedder no other lease holds,
// and gives it back when it ends.
#include "infer/embedder_pool.h"

#include <set>
#include <stdexcept>

#include <gtest/gtest.h>

namespace scopemia::infer {
namespace {

TEST(EmbedderPool, LeasesAreExclusiveAndComeBack) {
  int made = 0;
  EmbedderPool pool(
      [&] {
        ++made;
        return std::make_unique<Embedder>(EmbedOptions{});
      },
      2);
  EXPECT_EQ(made, 2);
  EXPECT_FALSE(pool.any().names().empty());
  std::set<const Embedder*> both;
  {
    const EmbedderPool::Lease a = pool.lease();
    const EmbedderPool::Lease b = pool.lease();
    EXPECT_NE(&*a, &*b);
    EXPECT_THROW(pool.lease(), std::logic_error);  // both are out
    both = {&*a, &*b};
  }
  for (int i = 0; i < 3; ++i) {
    const EmbedderPool::Lease c = pool.lease();  // both came back, and each lease gives its own back
    const EmbedderPool::Lease d = pool.lease();
    EXPECT_EQ((std::set<const Embedder*>{&*c, &*d}), both);
  }
}

}  // namespace
}  // namespace scopemia::infer
