#include "eval/report.h"

#include <filesystem>
#include <sstream>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/file_contents.h"
#include "core/version.h"

namespace scopemia::eval {

namespace fs = std::filesystem;

namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Escaped text with `code` spans.
std::string inline_html(const std::string& s) {
  std::string out;
  bool code = false;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '`') {
      const std::string piece = escape(s.substr(start, i - start));
      out += code ? "<code>" + piece + "</code>" : piece;
      if (i < s.size()) code = !code;
      start = i + 1;
    }
  }
  return out;
}

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::vector<std::string> cells(const std::string& row) {
  std::string r = trim(row);
  if (!r.empty() && r.front() == '|') r.erase(0, 1);
  if (!r.empty() && r.back() == '|') r.pop_back();
  std::vector<std::string> out;
  std::stringstream ss(r);
  std::string c;
  while (std::getline(ss, c, '|')) out.push_back(trim(c));
  return out;
}

bool is_separator(const std::string& row) {
  const std::string r = trim(row);
  return !r.empty() && r.find_first_not_of("|-: ") == std::string::npos && r.find('-') != std::string::npos;
}

// RFC 4648 base64 by OpenSSL (already linked for the SHA-256).
std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

const char* kStyle = R"(
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
h3 { margin-top: 1.6em; }
table { border-collapse: collapse; margin: .6em 0; font-size: .9em; }
th, td { border: 1px solid #bbb; padding: .25em .6em; text-align: left; }
th { background: #eef2f7; } tr:nth-child(even) td { background: #f8f9fb; }
code, pre { background: #f3f3f3; padding: .1em .3em; } pre { padding: .6em; overflow-x: auto; white-space: pre-wrap; }
figure { display: inline-block; margin: .6em 1em .6em 0; vertical-align: top; }
figure img { max-width: 560px; border: 1px solid #ddd; } figcaption { font-size: .8em; color: #555; }
.warning { background: #fff4e5; border-left: 4px solid #e69f00; padding: .4em .8em; }
)";

}  // namespace

std::string markdown_to_html(const std::string& markdown) {
  std::ostringstream html;
  std::vector<std::string> lines;
  {
    std::stringstream ss(markdown);
    std::string l;
    while (std::getline(ss, l)) lines.push_back(l);
  }
  std::string paragraph;
  auto flush = [&] {
    if (!trim(paragraph).empty()) html << "<p>" << inline_html(trim(paragraph)) << "</p>\n";
    paragraph.clear();
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string line = trim(lines[i]);
    if (line.empty()) {
      flush();
    } else if (line[0] == '#') {
      flush();
      const size_t level = std::min<size_t>(line.find_first_not_of('#'), 6);
      html << fmt::format("<h{0}>{1}</h{0}>\n", level, inline_html(trim(line.substr(level))));
    } else if (line[0] == '|' && i + 1 < lines.size() && is_separator(lines[i + 1])) {
      flush();
      html << "<table>\n<thead><tr>";
      for (const auto& c : cells(line)) html << "<th>" << inline_html(c) << "</th>";
      html << "</tr></thead>\n<tbody>\n";
      for (i += 2; i < lines.size() && trim(lines[i]).rfind('|', 0) == 0; ++i) {
        html << "<tr>";
        for (const auto& c : cells(lines[i])) html << "<td>" << inline_html(c) << "</td>";
        html << "</tr>\n";
      }
      --i;
      html << "</tbody></table>\n";
    } else if (line.rfind("- ", 0) == 0) {
      flush();
      html << "<ul>\n";
      for (; i < lines.size() && trim(lines[i]).rfind("- ", 0) == 0; ++i)
        html << "<li>" << inline_html(trim(lines[i]).substr(2)) << "</li>\n";
      --i;
      html << "</ul>\n";
    } else {
      paragraph += line + " ";
    }
  }
  flush();
  return html.str();
}

std::string sha256_file(const std::string& path) {
  const std::string bytes = read_file_contents(path);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr))
    throw std::runtime_error("SHA-256 failed");
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

void write_report(const std::string& path, const ReportInput& r) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" << escape(r.title)
    << "</title>\n<style>" << kStyle << "</style></head>\n<body>\n";
  h << "<h1>" << escape(r.title) << "</h1>\n";
  h << "<p>scopemia " << escape(SCOPEMIA_VERSION) << "</p>\n";
  for (const auto& n : r.notes) h << "<p class=\"warning\">" << inline_html(n) << "</p>\n";
  h << "<h2>Command</h2>\n<pre>" << escape(r.command) << "</pre>\n";
  h << "<h2>Settings</h2>\n<table><tbody>\n";
  for (const auto& [k, v] : r.settings) h << "<tr><th>" << escape(k) << "</th><td>" << escape(v) << "</td></tr>\n";
  h << "</tbody></table>\n<h2>Inputs</h2>\n<table><thead><tr><th>file</th><th>bytes</th><th>SHA-256</th></tr></thead><tbody>\n";
  for (const auto& f : r.input_files) {
    std::error_code ec;
    const auto size = fs::file_size(f, ec);
    h << "<tr><td><code>" << escape(f) << "</code></td><td>" << (ec ? std::string("?") : std::to_string(size))
      << "</td><td><code>" << sha256_file(f) << "</code></td></tr>\n";
  }
  h << "</tbody></table>\n";
  for (const auto& s : r.sections) {
    h << "<h2>" << escape(s.title) << "</h2>\n" << markdown_to_html(s.markdown);
    if (!s.figures.empty()) h << "<h3>Figures</h3>\n";
    for (const auto& f : s.figures) {
      h << "<figure><img alt=\"" << escape(fs::path(f).filename().string()) << "\" src=\"data:image/png;base64,"
        << base64(read_file_contents(f)) << "\"><figcaption>" << escape(fs::path(f).filename().string())
        << "</figcaption></figure>\n";
    }
  }
  // Marks how many images the browser decoded (a headless check reads it).
  h << "<script>window.addEventListener('load', function () {\n"
       "  var n = 0; document.querySelectorAll('img').forEach(function (i) { if (i.complete && i.naturalWidth > 0) n++; });\n"
       "  document.body.setAttribute('data-images-rendered', n);\n"
       "  document.body.setAttribute('data-images-total', document.images.length);\n});</script>\n";
  h << "</body></html>\n";
  write_file_atomically(path, h.str());
}

}  // namespace scopemia::eval
