#pragma once
// How the evaluation's CSVs, markdown tables and file names write numbers
// and p-values: one place, so every table of a run reads the same (learners'
// names: eval/learners.h).
#include <string>

#include "eval/dataset.h"

namespace scopemia::eval {

// Letters, digits, '-', '_', '.' kept; anything else '_' (never empty).
std::string file_safe(const std::string& s);
// A CSV number: fixed digits, empty for NaN.
std::string num(double v, int digits = 4);
// A table cell: three decimals, "n/a" for NaN.
std::string cell(double v);
// "0.912 ± 0.021".
std::string pm(double mean, double sd);
// "0.0123", "<0.0001".
std::string p_value(double p);

}  // namespace scopemia::eval
