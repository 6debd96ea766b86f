#pragma once
// A small reader for NumPy .npy files (format 1.0/2.0/3.0), for tests that
// compare against arrays saved by Python tools (PyRadiomics's texture
// matrices). Reads little-endian '<f8', '<f4', '<i8', '<i4', '|u1', '|b1'
// into doubles, in C (row-major) order whatever the file's order.
#include <cstdint>
#include <string>
#include <vector>

namespace scopemia::testing {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<double> data;  // C order
  int64_t size() const;
  // Element at a C-order multi-index.
  double at(const std::vector<int64_t>& index) const;
};

// Throws std::runtime_error naming the path on anything it cannot read.
NpyArray read_npy(const std::string& path);
// The same from the file's bytes.
NpyArray parse_npy(const std::string& bytes, const std::string& source);

}  // namespace scopemia::testing
