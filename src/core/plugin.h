#pragma once
// Libraries loaded only when their work is asked for (dlopen), so a process
// that never needs them never maps them: libtorch for the CLI's torch
// commands (cli/torch_commands.h), GDCM for DICOM series (io/gdcm_series.h),
// DCMTK for RTSTRUCT/SEG and the DICOM index (io/dcmtk_library.h).
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

// The function table a plugin library returns from its entry point
// `symbol`: from `linked_entry` when the program links the plugin's code
// itself (declare the entry weak: the fuzz build links io statically), else
// from the library `file_name`, loaded once (thread-safe through the
// caller's function-local static).
template <typename Table>
const Table& plugin_table(const void* anchor, const std::string& file_name, const std::string& symbol,
                          const Table* (*linked_entry)()) {
  if (linked_entry != nullptr) return *linked_entry();
  using Entry = const Table* (*)();
  return *reinterpret_cast<Entry>(load_plugin_symbol(anchor, file_name, symbol))();
}

}  // namespace scopemia
