#include "train/ablation.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "core/error.h"

namespace scopemia::train {

const std::vector<AblationVariant>& ablation_variants() {
  static const std::vector<AblationVariant> variants{
      {"full", "Full model", AblationComponent::kNone},
      {"no_stability", "w/o PDE stability loss", AblationComponent::kStability},
      {"no_entropy", "w/o entropy adaptation", AblationComponent::kEntropyAdaptation},
      {"no_hessian", "w/o Hessian regularisation", AblationComponent::kHessian},
      {"no_scale", "w/o scale consistency", AblationComponent::kScaleConsistency},
      {"no_attention", "w/o attention guidance", AblationComponent::kAttentionGuidance},
  };
  return variants;
}

const AblationVariant& find_ablation_variant(const std::string& name) {
  std::string names;
  for (const auto& v : ablation_variants()) {
    if (v.name == name) return v;
    names += (names.empty() ? "" : ", ") + v.name;
  }
  throw InputError("unknown ablation variant '" + name + "' (" + names + ")");
}

AblationSettings apply_variant(const AblationSettings& base, const AblationVariant& variant) {
  AblationSettings s = base;
  switch (variant.removed) {
    case AblationComponent::kNone: break;
    case AblationComponent::kStability: s.stability_weight = 0; break;
    case AblationComponent::kEntropyAdaptation:
      s.entropy_adaptation = false;
      s.entropy_weight = 0;
      break;
    case AblationComponent::kHessian: s.hessian_weight = 0; break;
    case AblationComponent::kScaleConsistency: s.scale_weight = 0; break;
    case AblationComponent::kAttentionGuidance: s.attention_weight = 0; break;
  }
  return s;
}

bool variant_changes(const AblationSettings& base, const AblationVariant& variant) {
  const auto s = apply_variant(base, variant);
  return s.stability_weight != base.stability_weight || s.entropy_weight != base.entropy_weight ||
         s.hessian_weight != base.hessian_weight || s.scale_weight != base.scale_weight ||
         s.attention_weight != base.attention_weight || s.entropy_adaptation != base.entropy_adaptation;
}

MeanStd mean_std(const std::vector<double>& values) {
  MeanStd m;
  double sum = 0;
  for (double v : values)
    if (std::isfinite(v)) {
      sum += v;
      ++m.n;
    }
  if (m.n == 0) return m;
  m.mean = sum / double(m.n);
  if (m.n >= 2) {
    double ss = 0;
    for (double v : values)
      if (std::isfinite(v)) ss += (v - m.mean) * (v - m.mean);
    m.std = std::sqrt(ss / double(m.n - 1));
  }
  return m;
}

std::vector<AblationRow> summarise_ablation(const std::vector<AblationRun>& runs,
                                            const std::vector<AblationVariant>& order) {
  std::vector<std::string> names, labels;
  for (const auto& v : order) {
    names.push_back(v.name);
    labels.push_back(v.label);
  }
  for (const auto& run : runs) {
    bool known = false;
    for (const auto& n : names) known = known || n == run.variant;
    if (!known) {
      names.push_back(run.variant);
      labels.push_back(run.variant);
    }
  }
  std::vector<AblationRow> rows;
  for (size_t i = 0; i < names.size(); ++i) {
    std::vector<double> ssim, r;
    for (const auto& run : runs)
      if (run.variant == names[i]) {
        ssim.push_back(run.ssim);
        r.push_back(run.r);
      }
    if (ssim.empty()) continue;
    AblationRow row;
    row.variant = names[i];
    row.label = labels[i];
    row.runs = int64_t(ssim.size());
    row.ssim = mean_std(ssim);
    row.r = mean_std(r);
    rows.push_back(row);
  }
  return rows;
}

namespace {

std::string fixed(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

std::string cell(const MeanStd& m, int decimals) {
  if (m.n == 0) return "n/a";
  if (m.n == 1) return fixed(m.mean, decimals);
  return fixed(m.mean, decimals) + " ± " + fixed(m.std, decimals);
}

std::string full_precision(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

}  // namespace

std::string ablation_markdown(const std::vector<AblationRow>& rows, int decimals) {
  std::string out = "| Variant | SSIM | R | Seeds |\n|---|---:|---:|---:|\n";
  for (const auto& row : rows)
    out += "| " + row.label + " | " + cell(row.ssim, decimals) + " | " + cell(row.r, decimals) + " | " +
           std::to_string(row.runs) + " |\n";
  return out;
}

io::CsvTable ablation_csv(const std::vector<AblationRow>& rows) {
  io::CsvTable table;
  table.header = {"variant", "label", "seeds", "ssim_mean", "ssim_std", "r_mean", "r_std"};
  auto mean = [](const MeanStd& m) { return m.n > 0 ? full_precision(m.mean) : std::string(); };
  auto sd = [](const MeanStd& m) { return m.n > 1 ? full_precision(m.std) : std::string(); };
  for (const auto& row : rows)
    table.rows.push_back({row.variant, row.label, std::to_string(row.runs), mean(row.ssim), sd(row.ssim),
                          mean(row.r), sd(row.r)});
  return table;
}

}  // namespace scopemia::train
