#include "eval/table_text.h"

#include <cctype>
#include <cmath>

#include <fmt/format.h>

namespace scopemia::eval {

std::string file_safe(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  return out.empty() ? "set" : out;
}

std::string num(double v, int digits) { return std::isnan(v) ? "" : fmt::format("{:.{}f}", v, digits); }

std::string cell(double v) { return std::isnan(v) ? "n/a" : fmt::format("{:.3f}", v); }

std::string pm(double mean, double sd) {
  if (std::isnan(mean)) return "n/a";
  return fmt::format("{:.3f} ± {:.3f}", mean, std::isnan(sd) ? 0.0 : sd);
}

std::string p_value(double p) { return p < 1e-4 ? "<0.0001" : fmt::format("{:.4f}", p); }

}  // namespace scopemia::eval
