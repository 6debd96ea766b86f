#include "core/windows.h"

#include <algorithm>

#include "core/error.h"

namespace scopemia {

DepthWindows::DepthWindows(int64_t k, int64_t stride, const std::string& source, const std::string& k_name,
                           const std::string& stride_name)
    : k_(k), stride_(stride) {
  const auto fail = [&](const std::string& why) {
    if (source.empty()) throw InputError(why);
    throw InputError(source, why);
  };
  if (k < 1) fail(k_name + ": must be at least 1 (got " + std::to_string(k) + ")");
  if (stride < 1 || stride > k)
    fail(stride_name + ": must be in [1, " + k_name + "] (got " + std::to_string(stride) + " with " + k_name + " " +
         std::to_string(k) + ")");
}

DepthWindows DepthWindows::overridden(std::optional<int64_t> k, std::optional<int64_t> stride) const {
  const int64_t new_k = k.value_or(k_);
  return DepthWindows(new_k, stride.value_or(std::min(stride_, new_k)), "", "--k", "--stride");
}

}  // namespace scopemia
