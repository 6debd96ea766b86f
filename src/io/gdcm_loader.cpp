#include "core/plugin.h"
#include "io/gdcm_series.h"

// Set when gdcm_series.cpp is linked into this program itself (the fuzz
// build links every io source statically); otherwise the library is loaded.
extern "C" const scopemia::io::GdcmFunctions* scopemia_io_gdcm_functions() __attribute__((weak));

namespace scopemia::io {

const GdcmFunctions& gdcm_functions() {
  static const GdcmFunctions* functions = [] {
    if (&scopemia_io_gdcm_functions != nullptr) return scopemia_io_gdcm_functions();
    using Entry = const GdcmFunctions* (*)();
    const auto entry = reinterpret_cast<Entry>(load_plugin_symbol(reinterpret_cast<const void*>(&gdcm_functions),
                                                                  "libscopemia_io_gdcm.so", "scopemia_io_gdcm_functions"));
    return entry();
  }();
  return *functions;
}

}  // namespace scopemia::io
