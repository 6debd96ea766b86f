#pragma once
// CSV as RFC 4180 writes it (and as pandas and PyRadiomics read/write it):
// comma-separated, fields quoted with '"' when they hold a comma, quote or
// line break, quotes doubled inside quotes. See docs/io.md for why this is
// ours rather than a package's.
#include <string>
#include <vector>

namespace scopemia::io {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  // Index of a header column, or -1.
  int column(const std::string& name) const;
};

// Parses CSV text. `source` names the file in errors. Rows shorter than the
// header are an error; a UTF-8 BOM and CRLF line ends are accepted.
CsvTable parse_csv(const std::string& text, const std::string& source);
CsvTable read_csv(const std::string& path);

std::string csv_escape(const std::string& field);
std::string csv_line(const std::vector<std::string>& fields);  // with '\n'
std::string to_csv(const CsvTable& table);
void write_csv(const CsvTable& table, const std::string& path);  // atomically

}  // namespace scopemia::io
