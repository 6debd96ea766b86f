#include "core/pixel_type.h"

#include <cstdint>
#include <limits>

namespace scopemia {
namespace {
struct Entry {
  PixelType type;
  const char* name;
  double lowest;
  double highest;
};
template <typename T>
constexpr Entry entry(PixelType type, const char* name) {
  return {type, name, double(std::numeric_limits<T>::lowest()), double(std::numeric_limits<T>::max())};
}
constexpr Entry kTable[] = {
    entry<uint8_t>(PixelType::UInt8, "uint8"),    entry<int8_t>(PixelType::Int8, "int8"),
    entry<uint16_t>(PixelType::UInt16, "uint16"), entry<int16_t>(PixelType::Int16, "int16"),
    entry<uint32_t>(PixelType::UInt32, "uint32"), entry<int32_t>(PixelType::Int32, "int32"),
    entry<uint64_t>(PixelType::UInt64, "uint64"), entry<int64_t>(PixelType::Int64, "int64"),
    entry<float>(PixelType::Float32, "float32"),  entry<double>(PixelType::Float64, "float64"),
};
const Entry& find(PixelType type) {
  for (const auto& e : kTable)
    if (e.type == type) return e;
  return kTable[8];
}
}  // namespace

std::string to_string(PixelType type) { return find(type).name; }

std::optional<PixelType> parse_pixel_type(const std::string& name) {
  for (const auto& e : kTable)
    if (name == e.name) return e.type;
  return std::nullopt;
}

bool is_integer(PixelType type) { return type != PixelType::Float32 && type != PixelType::Float64; }
double lowest_value(PixelType type) { return find(type).lowest; }
double highest_value(PixelType type) { return find(type).highest; }

bool fits_float32_exactly(PixelType type) {
  switch (type) {
    case PixelType::UInt8:
    case PixelType::Int8:
    case PixelType::UInt16:
    case PixelType::Int16:
    case PixelType::Float32: return true;
    default: return false;
  }
}

}  // namespace scopemia
