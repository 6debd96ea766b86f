#pragma once
// `scopemia ablate` (paper Table 1): the full model and one variant per
// removed component, each trained over several seeds and scored by SSIM and
// R on reconstruction; this file holds the pure parts: the variants as
// mutations of a plain settings struct, and the Table-1 formatter.
#include <cstdint>
#include <string>
#include <vector>

#include "io/csv.h"

namespace scopemia::train {

// The settings an ablation variant can change, in the trainer's terms
// (nn::PdeLossWeights and nn::PdeBlockConfig); the caller copies them from
// and back into its own config.
struct AblationSettings {
  double stability_weight = 0.1;  // a, L_stab
  double entropy_weight = 0.1;    // b, L_ent
  double hessian_weight = 0.01;   // c, L_hess
  double scale_weight = 0.1;      // d, L_scale
  double attention_weight = 0.1;  // k, L_attn (attention guidance)
  bool entropy_adaptation = true;  // PDE block: lambda(x) from local entropy
};

enum class AblationComponent {
  kNone,                // the full model
  kStability,           // L_stab weight 0
  kEntropyAdaptation,   // lambda(x) off (D_A = d_A g) and L_ent weight 0
  kHessian,             // L_hess weight 0
  kScaleConsistency,    // L_scale weight 0
  kAttentionGuidance,   // L_attn weight 0 (the attention map itself stays)
};

struct AblationVariant {
  std::string name;   // machine name: full, no_stability, ...
  std::string label;  // Table 1 row label: "Full model", "w/o PDE stability loss", ...
  AblationComponent removed = AblationComponent::kNone;
};

// Full model first, then the five single-component removals in the order of
// the list above.
const std::vector<AblationVariant>& ablation_variants();
// By machine name; throws InputError listing the names when unknown.
const AblationVariant& find_ablation_variant(const std::string& name);

// `base` with the variant's component removed.
AblationSettings apply_variant(const AblationSettings& base, const AblationVariant& variant);
// Whether the variant differs from `base` at all (false when the component
// is already off in the base config, which would make the row a duplicate).
bool variant_changes(const AblationSettings& base, const AblationVariant& variant);

// One trained run's scores.
struct AblationRun {
  std::string variant;  // AblationVariant::name
  uint64_t seed = 0;
  double ssim = 0.0;
  double r = 0.0;
};

// Mean and sample standard deviation (n - 1) over the runs' finite values.
struct MeanStd {
  int64_t n = 0;  // finite values
  double mean = 0.0;
  double std = 0.0;  // 0 when n < 2
};
MeanStd mean_std(const std::vector<double>& values);

struct AblationRow {
  std::string variant, label;
  int64_t runs = 0;
  MeanStd ssim, r;
};

// One row per variant of `order` that has runs, in that order; runs of
// variants not in `order` are appended after them, in first-seen order, with
// their name as label.
std::vector<AblationRow> summarise_ablation(const std::vector<AblationRun>& runs,
                                            const std::vector<AblationVariant>& order = ablation_variants());

// Markdown table: | Variant | SSIM | R | Seeds |, cells "mean ± std" with
// `decimals` decimals ("mean" alone when one value, "n/a" when none).
std::string ablation_markdown(const std::vector<AblationRow>& rows, int decimals = 4);
// CSV: variant,label,seeds,ssim_mean,ssim_std,r_mean,r_std (full precision;
// std empty when fewer than 2 values, mean empty when none).
io::CsvTable ablation_csv(const std::vector<AblationRow>& rows);

}  // namespace scopemia::train
