// Linked into the CLI and every test program of a sanitized build
// (-DSCOPEMIA_SANITIZE=..., docs/reliability.md) and into the fuzz targets
// (fuzz/CMakeLists.txt), so that any run of them —
// ctest, gtest's test listing at build time, the CLI a test starts — uses
// the same settings without environment variables. ASAN_OPTIONS /
// LSAN_OPTIONS still override them.
extern "C" {
// Huge allocations return null (operator new throws bad_alloc, which the
// code turns into a one-line error) instead of ASan aborting the process: the
// bad-input tests check exactly that behaviour.
const char* __asan_default_options() { return "allocator_may_return_null=1:detect_leaks=1"; }
// Without the table of used suppressions LSan prints at exit: a command's
// stderr stays its one line.
const char* __lsan_default_options() { return "print_suppressions=0"; }
const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }

// Leaks whose whole allocation stack lies in Debian's uninstrumented
// libraries, never in scopemia's code; each was added for such a report.
// ITK's MetaIO keeps the field records of a header it failed to parse;
// ITK's NrrdIO drops its nrrd and gzip state when a write fails (disk full).
const char* __lsan_default_suppressions() { return "leak:libITKMetaIO\nleak:libITKNrrdIO\n"; }
}
