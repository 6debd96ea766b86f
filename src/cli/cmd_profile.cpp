// scopemia profile --model NAME [--pde] --input DxHxW [--batch B] [--device cpu|cuda] [--format text|json]
// scopemia profile --table --input DxHxW [--models a,b,...]
#include <cstdio>
#include <memory>
#include <regex>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/error.h"
#include "nn/profile.h"

namespace scopemia::cli {
namespace {

std::array<int64_t, 3> parse_input(const std::string& s) {
  static const std::regex re(R"((\d+)x(\d+)x(\d+))");
  std::smatch m;
  if (!std::regex_match(s, m, re)) throw InputError("--input must be DxHxW (e.g. 16x128x128), got '" + s + "'");
  return {std::stoll(m[1]), std::stoll(m[2]), std::stoll(m[3])};
}

std::vector<int> parse_stages(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    try {
      out.push_back(std::stoi(item));
    } catch (const std::exception&) {
      throw InputError("--pde-stages must be comma-separated stage indices, got '" + s + "'");
    }
  return out;
}

double pct(double with, double without) { return without > 0 ? 100.0 * (with - without) / without : 0.0; }

}  // namespace

Command add_profile_command(CLI::App& parent) {
  struct Options {
    nn::ProfileOptions p;
    std::string input = "16x128x128", format = "text", stages = "1,2", models;
    bool table = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = parent.add_subcommand(
      "profile", "Parameters, FLOPs, peak memory and forward / training-step time of a backbone");
  app->add_option("--model", o->p.model, "Registered model name")->capture_default_str();
  app->add_flag("--pde", o->p.pde, "Add PDE blocks (after the stages of --pde-stages)");
  app->add_option("--pde-stages", o->stages, "Stages (0-based, comma-separated) followed by a PDE block")
      ->capture_default_str();
  app->add_option("--input", o->input, "Input size DxHxW")->capture_default_str();
  app->add_option("--batch", o->p.batch, "Batch size")->check(CLI::PositiveNumber)->capture_default_str();
  app->add_option("--device", o->p.device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}))->capture_default_str();
  app->add_option("--repeats", o->p.repeats, "Timed runs; the median is reported")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app->add_option("--dw-kernel", o->p.dw_kernel, "ConvNeXt depthwise kernel size (the paper: 7)")->capture_default_str();
  app->add_flag("--dw-separable", o->p.dw_separable, "ConvNeXt: separable k x 1 x 1, 1 x k x 1, 1 x 1 x k depthwise");
  app->add_flag("--no-pde-losses", [o](int64_t) { o->p.pde_losses = false; },
                "Training step without the PDE losses (the blocks' own cost only)");
  app->add_flag("--no-timing", [o](int64_t) { o->p.timing = false; }, "Parameters, FLOPs and memory only");
  app->add_option("--format", o->format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  app->add_flag("--table", o->table, "Every family with and without PDE blocks, and the overhead in %");
  app->add_option("--models", o->models, "With --table: comma-separated model names (default: one per family and size)");

  return {app, [o](Context& ctx) {
            o->p.input = parse_input(o->input);
            o->p.pde_stages = parse_stages(o->stages);
            if (!o->table) {
              const auto r = nn::profile_model(o->p);
              if (o->format == "json") {
                nlohmann::json j{{"model", r.model},
                                 {"pde", r.pde},
                                 {"device", r.device},
                                 {"input", o->p.input},
                                 {"batch", o->p.batch},
                                 {"params", r.params},
                                 {"pde_params", r.pde_params},
                                 {"flops", r.flops.total()},
                                 {"flops_by_kind",
                                  {{"conv", r.flops.conv},
                                   {"linear", r.flops.linear},
                                   {"norm", r.flops.norm},
                                   {"elementwise", r.flops.elementwise},
                                   {"reduction", r.flops.reduction}}},
                                 {"peak_memory_bytes", r.peak_memory_bytes},
                                 {"forward_ms", r.forward_ms},
                                 {"train_step_ms", r.train_step_ms}};
                ctx.out << j.dump() << "\n";
              } else {
                ctx.out << fmt::format("model            {}{}\n", r.model, r.pde ? " + PDE blocks" : "")
                        << fmt::format("device           {}\n", r.device)
                        << fmt::format("input            {}x{} (N x D x H x W)\n", o->p.batch, o->input)
                        << fmt::format("parameters       {:.3f} M ({} in PDE blocks)\n", r.params / 1e6, r.pde_params)
                        << fmt::format("FLOPs (forward)  {:.3f} G (conv {:.3f}, linear {:.3f}, norm {:.3f}, "
                                       "elementwise {:.3f}, reduction {:.3f})\n",
                                       r.flops.total() / 1e9, r.flops.conv / 1e9, r.flops.linear / 1e9,
                                       r.flops.norm / 1e9, r.flops.elementwise / 1e9, r.flops.reduction / 1e9)
                        << fmt::format("peak memory      {:.1f} MiB (training step)\n",
                                       r.peak_memory_bytes / 1048576.0);
                if (o->p.timing)
                  ctx.out << fmt::format("forward          {:.1f} ms (median of {})\n", r.forward_ms, o->p.repeats)
                          << fmt::format("train step       {:.1f} ms (forward + loss + backward, median of {})\n",
                                         r.train_step_ms, o->p.repeats);
              }
              return 0;
            }
            std::vector<std::string> models;
            if (o->models.empty()) {
              models = nn::profile_table_models();
            } else {
              std::stringstream ss(o->models);
              for (std::string m; std::getline(ss, m, ',');) models.push_back(m);
            }
            nlohmann::json rows = nlohmann::json::array();
            if (o->format == "text")
              ctx.out << fmt::format("input {}x{}, batch {}, device {}; PDE blocks after stages {}\n\n", o->p.batch,
                                     o->input, o->p.batch, o->p.device, o->stages)
                      << fmt::format("{:<18}{:>10}{:>10}{:>8}{:>10}{:>10}{:>8}{:>10}{:>10}{:>8}{:>10}{:>10}{:>8}{:>9}{:>9}\n",
                                     "model", "params M", "+PDE", "d%", "GFLOPs", "+PDE", "d%", "fwd ms", "+PDE",
                                     "d%", "train ms", "+PDE", "d%", "mem MiB", "+PDE");
            for (const auto& m : models) {
              auto p = o->p;
              p.model = m;
              p.pde = false;
              const auto a = nn::profile_model(p);
              p.pde = true;
              const auto b = nn::profile_model(p);
              if (o->format == "json") {
                rows.push_back({{"model", m},
                                {"params", a.params},
                                {"params_pde", b.params},
                                {"flops", a.flops.total()},
                                {"flops_pde", b.flops.total()},
                                {"peak_memory_bytes", a.peak_memory_bytes},
                                {"peak_memory_bytes_pde", b.peak_memory_bytes},
                                {"forward_ms", a.forward_ms},
                                {"forward_ms_pde", b.forward_ms},
                                {"train_step_ms", a.train_step_ms},
                                {"train_step_ms_pde", b.train_step_ms}});
              } else {
                ctx.out << fmt::format(
                    "{:<18}{:>10.2f}{:>10.2f}{:>8.1f}{:>10.2f}{:>10.2f}{:>8.1f}{:>10.1f}{:>10.1f}{:>8.1f}{:>10.1f}{:>10.1f}{:>8.1f}{:>9.0f}{:>9.0f}\n",
                    m, a.params / 1e6, b.params / 1e6, pct(b.params, a.params), a.flops.total() / 1e9,
                    b.flops.total() / 1e9, pct(b.flops.total(), a.flops.total()), a.forward_ms, b.forward_ms,
                    pct(b.forward_ms, a.forward_ms), a.train_step_ms, b.train_step_ms,
                    pct(b.train_step_ms, a.train_step_ms), a.peak_memory_bytes / 1048576.0,
                    b.peak_memory_bytes / 1048576.0);
                ctx.out.flush();
              }
            }
            if (o->format == "json") ctx.out << rows.dump() << "\n";
            return 0;
          }};
}

}  // namespace scopemia::cli
