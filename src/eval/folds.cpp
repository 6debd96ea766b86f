#include "eval/folds.h"

#include <algorithm>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "core/error.h"
#include "core/random.h"

namespace scopemia::eval {

std::vector<Split> stratified_group_kfold(const std::vector<int>& strata, const std::vector<std::string>& groups,
                                          int folds, int repeats, uint64_t seed) {
  const size_t n = strata.size();
  if (!groups.empty() && groups.size() != n) throw std::invalid_argument("groups and strata differ in length");
  if (folds < 2) throw InputError("--folds: at least 2");
  // Group members and per-group stratum counts.
  std::vector<std::vector<int>> members;
  {
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < n; ++i) {
      if (groups.empty()) {
        members.push_back({static_cast<int>(i)});
        continue;
      }
      auto it = index.find(groups[i]);
      if (it == index.end()) {
        index.emplace(groups[i], members.size());
        members.push_back({static_cast<int>(i)});
      } else {
        members[it->second].push_back(static_cast<int>(i));
      }
    }
  }
  if (static_cast<int>(members.size()) < folds)
    throw InputError(fmt::format("{} groups cannot fill {} folds", members.size(), folds));
  const int n_strata = strata.empty() ? 1 : *std::max_element(strata.begin(), strata.end()) + 1;
  std::vector<double> total(n_strata, 0.0);
  for (int s : strata) total[s] += 1;

  std::vector<Split> out;
  for (int r = 0; r < repeats; ++r) {
    Random rng(seed, static_cast<uint64_t>(r));
    std::vector<size_t> order(members.size());
    std::iota(order.begin(), order.end(), 0);
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.next() % i]);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return members[a].size() > members[b].size(); });
    std::vector<std::vector<double>> count(folds, std::vector<double>(n_strata, 0.0));
    std::vector<size_t> size(folds, 0);
    std::vector<int> fold_of(n, -1);
    for (size_t g : order) {
      std::vector<double> gc(n_strata, 0.0);
      for (int i : members[g]) gc[strata[i]] += 1;
      int best = -1;
      double best_cost = 0;
      for (int f = 0; f < folds; ++f) {
        double cost = 0;  // increase of sum_c (count/total)^2
        for (int c = 0; c < n_strata; ++c)
          if (gc[c] > 0) cost += (2 * count[f][c] * gc[c] + gc[c] * gc[c]) / (total[c] * total[c]);
        if (best < 0 || cost < best_cost - 1e-12 ||
            (cost <= best_cost + 1e-12 && size[f] < size[best])) {
          best = f;
          best_cost = cost;
        }
      }
      for (int c = 0; c < n_strata; ++c) count[best][c] += gc[c];
      size[best] += members[g].size();
      for (int i : members[g]) fold_of[i] = best;
    }
    for (int f = 0; f < folds; ++f) {
      Split s;
      s.repeat = r;
      s.fold = f;
      for (size_t i = 0; i < n; ++i) (fold_of[i] == f ? s.test : s.train).push_back(static_cast<int>(i));
      if (s.test.empty()) throw InputError(fmt::format("fold {} would be empty: fewer cases than folds", f));
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::vector<Split> splits_from_column(const std::vector<std::string>& fold_values) {
  std::map<std::string, int> distinct;
  for (const auto& v : fold_values) distinct.emplace(v, 0);
  if (distinct.size() < 2) throw InputError("--fold-column: fewer than two distinct folds");
  int f = 0;
  for (auto& kv : distinct) kv.second = f++;
  std::vector<Split> out(distinct.size());
  for (size_t k = 0; k < out.size(); ++k) out[k].fold = static_cast<int>(k);
  for (size_t i = 0; i < fold_values.size(); ++i) {
    const int fi = distinct[fold_values[i]];
    for (size_t k = 0; k < out.size(); ++k)
      (static_cast<int>(k) == fi ? out[k].test : out[k].train).push_back(static_cast<int>(i));
  }
  return out;
}

std::vector<int> quantile_strata(const std::vector<double>& values, int bins) {
  const size_t n = values.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<int> out(n, 0);
  for (size_t r = 0; r < n; ++r) out[order[r]] = static_cast<int>(r * bins / std::max<size_t>(n, 1));
  return out;
}

}  // namespace scopemia::eval
