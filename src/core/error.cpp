#include "core/error.h"

#include <algorithm>

namespace scopemia {
namespace {
// Messages from libraries (ITK, GDCM) span several lines; the user gets one.
std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}
}  // namespace

InputError::InputError(std::string file, std::string cause)
    : std::runtime_error(one_line(file.empty() ? cause : file + ": " + cause)),
      file_(std::move(file)),
      cause_(one_line(std::move(cause))) {}

InputError::InputError(std::string cause) : InputError(std::string(), std::move(cause)) {}

}  // namespace scopemia
