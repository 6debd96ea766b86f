#pragma once
// report.html: one self-contained page (tables, figures embedded as data
// URIs, settings, versions, SHA-256 of every input file, the exact command)
// that opens offline in any browser, for a reader or a reviewer.
#include <string>
#include <utility>
#include <vector>

namespace scopemia::eval {

struct ReportSection {
  std::string title;
  std::string markdown;              // the section's tables (the table.md text)
  std::vector<std::string> figures;  // PNG files, embedded in order
};

struct ReportInput {
  std::string title;
  std::string command;
  std::vector<std::pair<std::string, std::string>> settings;
  std::vector<std::string> input_files;  // listed with size and SHA-256
  std::vector<std::string> notes;        // e.g. warnings, shown first
  std::vector<ReportSection> sections;
};

// Writes atomically. Markdown understood: #-headings, pipe tables, "- "
// lists, paragraphs, `code`; everything else is escaped text.
void write_report(const std::string& path, const ReportInput& report);

// Lowercase hex SHA-256 of a file (OpenSSL); InputError when unreadable.
std::string sha256_file(const std::string& path);
// The markdown subset above as HTML (exposed for tests).
std::string markdown_to_html(const std::string& markdown);

}  // namespace scopemia::eval
