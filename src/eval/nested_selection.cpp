#include "eval/nested_selection.h"

#include <cmath>

#include "core/error.h"
#include "eval/folds.h"

namespace scopemia::eval {

NestedSelection nested_selection(const std::vector<int>& strata, const std::vector<std::string>& groups,
                                 int candidates, int outer_folds, uint64_t seed, const InnerScore& inner_score,
                                 const OuterScore& outer_score) {
  if (candidates < 1) throw InputError("sweep: no candidates to choose from");
  if (outer_folds < 2) throw InputError("sweep: at least 2 outer folds");
  NestedSelection result;
  for (const Split& split : stratified_group_kfold(strata, groups, outer_folds, 1, seed)) {
    NestedFold f;
    f.fold = split.fold;
    f.train = split.train;
    f.test = split.test;
    for (int c = 0; c < candidates; ++c) {
      const double s = inner_score(f.fold, f.train, c);
      f.selection_scores.push_back(s);
      // NaN never wins; ties keep the earlier candidate.
      if (std::isfinite(s) && (!std::isfinite(f.selection_scores[f.chosen]) || s > f.selection_scores[f.chosen]))
        f.chosen = c;
    }
    f.reported = outer_score(f.fold, f.train, f.test, f.chosen);
    result.folds.push_back(std::move(f));
  }
  double sum = 0, sq = 0;
  for (const auto& f : result.folds) sum += f.reported;
  result.mean = sum / double(result.folds.size());
  for (const auto& f : result.folds) sq += (f.reported - result.mean) * (f.reported - result.mean);
  result.sd = result.folds.size() > 1 ? std::sqrt(sq / double(result.folds.size() - 1)) : 0.0;
  return result;
}

}  // namespace scopemia::eval
