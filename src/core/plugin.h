#pragma once
// Libraries loaded only when their work is asked for (dlopen), so a process
// that never needs them never maps them: libtorch for the CLI's torch
// commands (cli/torch_commands.h), GDCM for DICOM series (io/gdcm_series.h).
// Start-up cost is the reason (docs/performance.md: GDCM's dictionaries alone
// take ~40 ms when a library that links it is loaded).
#include <string>

namespace scopemia {

// The entry point `symbol` of the shared library `file_name`, looked for in
// the folder of the library (or program) that holds `anchor` first (the
// build tree and an install keep our libraries together), then wherever the
// dynamic loader looks. The library stays loaded. Throws std::runtime_error
// naming the library and the loader's message.
void* load_plugin_symbol(const void* anchor, const std::string& file_name, const std::string& symbol);

}  // namespace scopemia
