#pragma once
// The component type a file stores its voxels in. Volumes compute in float32,
// but remember the stored type so `convert` writes CT back as int16, not float.
#include <optional>
#include <string>

namespace scopemia {

enum class PixelType { UInt8, Int8, UInt16, Int16, UInt32, Int32, UInt64, Int64, Float32, Float64 };

std::string to_string(PixelType type);                        // "int16", "float32", ...
std::optional<PixelType> parse_pixel_type(const std::string& name);
bool is_integer(PixelType type);
// True when every value of the type is a float32 (8- and 16-bit integers,
// float32); 32/64-bit integers above 2^24 and float64 values are not.
bool fits_float32_exactly(PixelType type);
// Range of values the type holds exactly (integers), or its finite range.
double lowest_value(PixelType type);
double highest_value(PixelType type);

}  // namespace scopemia
