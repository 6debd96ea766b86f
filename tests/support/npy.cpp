#include "support/npy.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace scopemia::testing {
namespace {

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw std::runtime_error(source + ": not a readable .npy file (" + what + ")");
}

// The value text of `key` in the header dict ("{'descr': '<f8', ...}").
std::string header_value(const std::string& header, const std::string& key, const std::string& source) {
  const std::string needle = "'" + key + "'";
  size_t pos = header.find(needle);
  if (pos == std::string::npos) fail(source, "no " + key);
  pos = header.find(':', pos + needle.size());
  if (pos == std::string::npos) fail(source, "bad " + key);
  ++pos;
  while (pos < header.size() && header[pos] == ' ') ++pos;
  size_t end = pos;
  if (header[pos] == '(') {
    end = header.find(')', pos);
    if (end == std::string::npos) fail(source, "bad shape");
    return header.substr(pos, end - pos + 1);
  }
  if (header[pos] == '\'') {
    end = header.find('\'', pos + 1);
    if (end == std::string::npos) fail(source, "bad " + key);
    return header.substr(pos + 1, end - pos - 1);
  }
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  return header.substr(pos, end - pos);
}

template <typename T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

int64_t NpyArray::size() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

double NpyArray::at(const std::vector<int64_t>& index) const {
  if (index.size() != shape.size()) throw std::out_of_range("npy: index rank");
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (index[d] < 0 || index[d] >= shape[d]) throw std::out_of_range("npy: index out of range");
    flat = flat * shape[d] + index[d];
  }
  return data[static_cast<size_t>(flat)];
}

NpyArray parse_npy(const std::string& bytes, const std::string& source) {
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) fail(source, "bad magic");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(source, "truncated header");
    header_len = 0;
    for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + i]);
    offset = 12;
  } else {
    fail(source, "unknown version");
  }
  if (bytes.size() < offset + header_len) fail(source, "truncated header");
  const std::string header = bytes.substr(offset, header_len);
  const std::string descr = header_value(header, "descr", source);
  const std::string fortran = header_value(header, "fortran_order", source);
  const std::string shape_text = header_value(header, "shape", source);

  NpyArray array;
  std::string inner = shape_text.substr(1, shape_text.size() - 2);
  std::stringstream ss(inner);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.find_first_not_of(' ') == std::string::npos) continue;
    array.shape.push_back(std::stoll(item));
  }
  size_t item_size = 0;
  if (descr == "<f8" || descr == "<i8") item_size = 8;
  else if (descr == "<f4" || descr == "<i4") item_size = 4;
  else if (descr == "|u1" || descr == "|b1") item_size = 1;
  else fail(source, "unsupported dtype " + descr);
  const int64_t n = array.size();
  const size_t data_offset = offset + header_len;
  if (bytes.size() < data_offset + static_cast<size_t>(n) * item_size) fail(source, "truncated data");
  std::vector<double> raw(static_cast<size_t>(n));
  const char* p = bytes.data() + data_offset;
  for (int64_t i = 0; i < n; ++i, p += item_size) {
    if (descr == "<f8") raw[i] = load<double>(p);
    else if (descr == "<f4") raw[i] = load<float>(p);
    else if (descr == "<i8") raw[i] = static_cast<double>(load<int64_t>(p));
    else if (descr == "<i4") raw[i] = load<int32_t>(p);
    else raw[i] = static_cast<unsigned char>(*p);
  }
  if (fortran.find("True") == std::string::npos) {
    array.data = std::move(raw);
    return array;
  }
  // Fortran order: the first index varies fastest. Reorder into C order.
  array.data.assign(raw.size(), 0.0);
  const size_t rank = array.shape.size();
  std::vector<int64_t> idx(rank, 0);
  for (int64_t f = 0; f < n; ++f) {
    int64_t c = 0;
    for (size_t d = 0; d < rank; ++d) c = c * array.shape[d] + idx[d];
    array.data[static_cast<size_t>(c)] = raw[static_cast<size_t>(f)];
    for (size_t d = 0; d < rank; ++d) {  // advance the Fortran-order counter
      if (++idx[d] < array.shape[d]) break;
      idx[d] = 0;
    }
  }
  return array;
}

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_npy(buffer.str(), path);
}

}  // namespace scopemia::testing
