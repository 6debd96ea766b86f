#include "core/plugin.h"

#include <dlfcn.h>

#include <stdexcept>

namespace scopemia {

void* load_plugin_symbol(const void* anchor, const std::string& file_name, const std::string& symbol) {
  std::string beside = file_name;
  Dl_info self{};
  if (dladdr(anchor, &self) != 0 && self.dli_fname != nullptr) {
    const std::string path = self.dli_fname;
    const size_t slash = path.rfind('/');
    if (slash != std::string::npos) beside = path.substr(0, slash + 1) + file_name;
  }
  void* library = dlopen(beside.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) library = dlopen(file_name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) throw std::runtime_error("cannot load " + file_name + ": " + std::string(dlerror()));
  void* entry = dlsym(library, symbol.c_str());
  if (entry == nullptr) throw std::runtime_error(file_name + " has no " + symbol + ": " + std::string(dlerror()));
  return entry;
}

}  // namespace scopemia
