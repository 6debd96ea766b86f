#include "io/csv.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace scopemia::io {

int CsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  return -1;
}

CsvTable parse_csv(const std::string& text, const std::string& source) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool in_quotes = false, field_was_quoted = false, record_has_content = false;
  int line = 1;
  size_t i = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
  auto end_field = [&] {
    record.push_back(std::move(field));
    field.clear();
    field_was_quoted = false;
  };
  auto end_record = [&] {
    end_field();
    // Blank lines carry no record.
    if (record_has_content || record.size() > 1 || !record.front().empty()) records.push_back(std::move(record));
    record.clear();
    record_has_content = false;
  };
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    switch (c) {
      case '"':
        if (!field.empty() || field_was_quoted)
          throw InputError(source, fmt::format("line {}: stray quote inside an unquoted field", line));
        in_quotes = field_was_quoted = record_has_content = true;
        break;
      case ',': end_field(); record_has_content = true; break;
      case '\r': break;
      case '\n': end_record(); ++line; break;
      default: field += c;
    }
  }
  if (in_quotes) throw InputError(source, fmt::format("line {}: quoted field never closed", line));
  if (!field.empty() || !record.empty() || record_has_content) end_record();
  if (records.empty()) throw InputError(source, "CSV file is empty (no header)");

  CsvTable table;
  table.header = std::move(records.front());
  for (size_t r = 1; r < records.size(); ++r) {
    auto& row = records[r];
    if (row.size() != table.header.size())
      throw InputError(source, fmt::format("row {} has {} fields, the header has {}", r, row.size(),
                                           table.header.size()));
    table.rows.push_back(std::move(row));
  }
  return table;
}

CsvTable read_csv(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path, "cannot open CSV file");
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_csv(ss.str(), path);
}

std::string csv_escape(const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_line(const std::vector<std::string>& fields) {
  // A record of one empty field written bare is a blank line, which readers
  // (this one, pandas) skip: quote it so the row survives.
  if (fields.size() == 1 && fields.front().empty()) return "\"\"\n";
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += csv_escape(fields[i]);
  }
  return out + "\n";
}

std::string to_csv(const CsvTable& table) {
  std::string out = csv_line(table.header);
  for (const auto& row : table.rows) out += csv_line(row);
  return out;
}

void write_csv(const CsvTable& table, const std::string& path) { write_file_atomically(path, to_csv(table)); }

}  // namespace scopemia::io
