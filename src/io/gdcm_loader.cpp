#include "core/plugin.h"
#include "io/gdcm_series.h"

// Set when gdcm_series.cpp is linked into this program itself (the fuzz
// build links every io source statically); otherwise the library is loaded.
extern "C" const scopemia::io::GdcmFunctions* scopemia_io_gdcm_functions() __attribute__((weak));

namespace scopemia::io {

const GdcmFunctions& gdcm_functions() {
  static const GdcmFunctions& functions =
      plugin_table(reinterpret_cast<const void*>(&gdcm_functions), "libscopemia_io_gdcm.so",
                   "scopemia_io_gdcm_functions", &scopemia_io_gdcm_functions);
  return functions;
}

}  // namespace scopemia::io
