// scopemia dicom ls DIR [--json]
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/error.h"
#include "io/dicom_index.h"

namespace scopemia::cli {

namespace {

std::string quoted(const std::string& s) { return s.empty() ? std::string() : " \"" + s + "\""; }

nlohmann::json to_json(const std::vector<io::DicomPatientEntry>& patients) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : patients) {
    nlohmann::json jp{{"patient_id", p.id}, {"patient_name", p.name}, {"studies", nlohmann::json::array()}};
    for (const auto& st : p.studies) {
      nlohmann::json js{{"study_uid", st.uid},
                        {"date", st.date},
                        {"description", st.description},
                        {"series", nlohmann::json::array()}};
      for (const auto& se : st.series) {
        nlohmann::json jse{{"series_uid", se.uid},
                           {"modality", se.modality},
                           {"description", se.description},
                           {"folder", se.folder},
                           {"files", se.files}};
        if (se.slices > 0) {
          jse["size"] = {se.columns, se.rows, se.slices};
          jse["spacing"] = {se.spacing_x, se.spacing_y, se.spacing_z};
        }
        for (const auto& o : se.objects)
          jse["objects"].push_back({{"file", o.path},
                                    {"type", o.type},
                                    {"referenced_series_uid", o.referenced_series_uid},
                                    {"names", o.names}});
        js["series"].push_back(jse);
      }
      jp["studies"].push_back(js);
    }
    out.push_back(jp);
  }
  return out;
}

void print_text(std::ostream& out, const std::vector<io::DicomPatientEntry>& patients) {
  for (const auto& p : patients) {
    out << "patient " << (p.id.empty() ? "?" : p.id) << quoted(p.name) << "\n";
    for (const auto& st : p.studies) {
      out << "  study " << st.uid << (st.date.empty() ? "" : " " + st.date) << quoted(st.description) << "\n";
      for (const auto& se : st.series) {
        out << "    series " << se.uid << " " << (se.modality.empty() ? "?" : se.modality);
        if (se.slices > 0)
          out << fmt::format(" {}x{}x{} spacing {:.4g}x{:.4g}x{:.4g} mm", se.columns, se.rows, se.slices, se.spacing_x,
                             se.spacing_y, se.spacing_z);
        out << fmt::format(" ({} file{})", se.files, se.files == 1 ? "" : "s") << quoted(se.description) << "  "
            << se.folder << "\n";
        for (const auto& o : se.objects) {
          out << "      " << o.type << " " << o.path;
          if (!o.referenced_series_uid.empty()) out << " -> series " << o.referenced_series_uid;
          out << "\n";
          for (const auto& n : o.names) out << "        " << n << "\n";
        }
      }
    }
  }
}

}  // namespace

Command add_dicom_command(CLI::App& parent) {
  struct Options {
    std::string folder;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = parent.add_subcommand("dicom", "Inspect DICOM folders (series, RTSTRUCT ROIs, SEG segments)");
  app->require_subcommand(1);
  CLI::App* ls = app->add_subcommand("ls", "List patients, studies, series and RTSTRUCT/SEG objects under a folder");
  ls->add_option("folder", o->folder, "DICOM folder (searched recursively) or file")->required();
  ls->add_flag("--json", o->json, "Print JSON instead of text");
  return {app, [o](Context& ctx) {
            const auto patients = io::scan_dicom_folder(o->folder);
            if (o->json)
              ctx.out << to_json(patients).dump(2) << "\n";
            else
              print_text(ctx.out, patients);
            return 0;
          }};
}

}  // namespace scopemia::cli
