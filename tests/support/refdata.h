#pragma once
// Reference data from ../shared/refdata (or $SCOPEMIA_REFDATA). Tests that
// need it skip with a message when it is absent, except under CI
// (CI=true or SCOPEMIA_REQUIRE_REFDATA=1), where the absence is a failure.
#include <string>

#include <gtest/gtest.h>

namespace scopemia::testing {

// The refdata folder, or "" when it cannot be found.
std::string refdata_dir();
// Full path of `relative` inside refdata, or "" when absent.
std::string refdata_path(const std::string& relative);
bool refdata_mandatory();

}  // namespace scopemia::testing

#define SCOPEMIA_REFDATA(var, relative)                                                     \
  const std::string var = ::scopemia::testing::refdata_path(relative);                      \
  if (var.empty()) {                                                                         \
    if (::scopemia::testing::refdata_mandatory()) FAIL() << "reference data missing: " << relative; \
    GTEST_SKIP() << "reference data absent (" << relative << "): set SCOPEMIA_REFDATA";      \
  }
