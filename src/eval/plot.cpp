#include "eval/plot.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/file_contents.h"

namespace scopemia::eval {

namespace fs = std::filesystem;

namespace {

std::string gnuplot_binary() {
  const char* env = std::getenv("SCOPEMIA_GNUPLOT");
  return env && *env ? env : "gnuplot";
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "''";
    else out += c;
  }
  return out + "'";
}

class TempFolder {
 public:
  TempFolder() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / fmt::format("scopemia-plot-{:x}", (static_cast<uint64_t>(rd()) << 32) | rd());
    fs::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

bool run_script(const TempFolder& tmp, const std::string& script, const std::string& png) {
  const std::string path = tmp.file("plot.gp");
  {
    std::ofstream f(path);
    f << script;
  }
  const std::string cmd = fmt::format("{} {} > {} 2>&1", gnuplot_binary(), quoted(path), quoted(tmp.file("log")));
  const int rc = std::system(cmd.c_str());
  if (rc != 0 || !fs::exists(png)) {
    const std::string text = fs::exists(tmp.file("log")) ? read_file_contents(tmp.file("log")) : std::string();
    spdlog::warn("gnuplot failed for {}: {}", png, text.substr(0, 400));
    return false;
  }
  return true;
}

// A gnuplot double-quoted string: a '\n' in `s` becomes a line break of the title.
std::string double_quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') out += "\\n";
    else out += c;
  }
  return out + "\"";
}

std::string header(const std::string& png, const std::string& title, int w = 900, int h = 800) {
  return fmt::format(
      "set terminal pngcairo size {},{} font 'Sans,12' noenhanced\n"
      "set output {}\n"
      "set title {}\n"
      "set grid lc rgb '#dddddd'\n",
      w, h, quoted(png), double_quoted(title));
}

}  // namespace

bool gnuplot_available() {
  static const bool ok = std::system((gnuplot_binary() + " --version > /dev/null 2>&1").c_str()) == 0;
  return ok;
}

bool plot_roc(const std::string& png, const std::string& title, const std::vector<Series>& curves) {
  if (!gnuplot_available() || curves.empty()) return false;
  TempFolder tmp;
  std::string script = header(png, title);
  script +=
      "set xlabel 'False positive rate (1 - specificity)'\n"
      "set ylabel 'True positive rate (sensitivity)'\n"
      "set xrange [0:1]\nset yrange [0:1]\nset size ratio -1\n"
      "set key right bottom box opaque\n"
      "plot ";
  for (size_t c = 0; c < curves.size(); ++c) {
    const std::string data = tmp.file(fmt::format("c{}.dat", c));
    std::ofstream f(data);
    for (size_t i = 0; i < curves[c].x.size(); ++i) f << curves[c].x[i] << ' ' << curves[c].y[i] << '\n';
    script += fmt::format("{} using 1:2 with lines lw 2 title {}, ", quoted(data), quoted(curves[c].label));
  }
  script += "x with lines dt 2 lc rgb '#888888' title 'chance'\n";
  return run_script(tmp, script, png);
}

bool plot_scatter(const std::string& png, const std::string& title, const std::string& xlabel,
                  const std::string& ylabel, const Series& points) {
  if (!gnuplot_available() || points.x.empty()) return false;
  TempFolder tmp;
  const std::string data = tmp.file("p.dat");
  double lo = points.x[0], hi = points.x[0];
  {
    std::ofstream f(data);
    for (size_t i = 0; i < points.x.size(); ++i) {
      f << points.x[i] << ' ' << points.y[i] << '\n';
      lo = std::min({lo, points.x[i], points.y[i]});
      hi = std::max({hi, points.x[i], points.y[i]});
    }
  }
  const double pad = 0.05 * (hi - lo + 1e-12);
  std::string script = header(png, title);
  script += fmt::format(
      "set xlabel {}\nset ylabel {}\nset xrange [{}:{}]\nset yrange [{}:{}]\nset size ratio -1\n"
      "set key left top box opaque\n"
      "plot {} using 1:2 with points pt 7 ps 0.8 lc rgb '#1f77b4' title {}, x with lines dt 2 lc rgb '#888888' "
      "title 'identity'\n",
      quoted(xlabel), quoted(ylabel), lo - pad, hi + pad, lo - pad, hi + pad, quoted(data), quoted(points.label));
  return run_script(tmp, script, png);
}

bool plot_lines(const std::string& png, const std::string& title, const std::string& xlabel,
                const std::string& ylabel, const std::vector<Series>& series,
                const std::vector<std::vector<double>>& err) {
  if (!gnuplot_available() || series.empty()) return false;
  TempFolder tmp;
  std::string script = header(png, title, 1000, 700);
  script += fmt::format("set xlabel {}\nset ylabel {}\nset key outside right top box opaque\nset offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n",
                        quoted(xlabel), quoted(ylabel));
  std::string plot = "plot ";
  for (size_t s = 0; s < series.size(); ++s) {
    const std::string data = tmp.file(fmt::format("s{}.dat", s));
    const bool bars = s < err.size() && err[s].size() == series[s].y.size();
    {
      std::ofstream f(data);
      for (size_t i = 0; i < series[s].x.size(); ++i)
        f << series[s].x[i] << ' ' << series[s].y[i] << ' ' << (bars ? err[s][i] : 0.0) << '\n';
    }
    if (s > 0) plot += ", ";
    plot += bars ? fmt::format("{} using 1:2:3 with yerrorlines pt 7 lw 2 title {}", quoted(data), quoted(series[s].label))
                 : fmt::format("{} using 1:2 with linespoints pt 7 lw 2 title {}", quoted(data), quoted(series[s].label));
  }
  script += plot + "\n";
  return run_script(tmp, script, png);
}

bool plot_sorted(const std::string& png, const std::string& title, const std::string& ylabel,
                 const std::vector<double>& values, const std::vector<double>& reference_lines) {
  if (!gnuplot_available() || values.empty()) return false;
  TempFolder tmp;
  const std::string data = tmp.file("v.dat");
  {
    std::ofstream f(data);
    for (size_t i = 0; i < values.size(); ++i) f << i + 1 << ' ' << values[i] << '\n';
  }
  std::string script = header(png, title, 1000, 700);
  script += fmt::format("set xlabel 'Feature rank'\nset ylabel {}\nset key right top box opaque\n", quoted(ylabel));
  script += fmt::format("plot {} using 1:2 with linespoints pt 7 ps 0.5 lw 2 title {}", quoted(data), quoted(ylabel));
  for (double r : reference_lines) script += fmt::format(", {} with lines dt 2 title '{} = {}'", r, ylabel, r);
  script += "\n";
  return run_script(tmp, script, png);
}

namespace {
// Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
const char* const kOkabeIto[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"};

void write_points(const std::string& path, const std::vector<double>& x, const std::vector<double>& y) {
  std::ofstream f(path);
  for (size_t i = 0; i < x.size(); ++i) f << x[i] << ' ' << y[i] << '\n';
}

// A square 0..1 x 0..1 plot with its legend below it, up to "plot ".
std::string unit_square_plot(const std::string& png, const std::string& title, const std::string& xlabel,
                             const std::string& ylabel) {
  return header(png, title, 900, 980) +
         fmt::format("set xlabel {}\nset ylabel {}\n", quoted(xlabel), quoted(ylabel)) +
         "set xrange [0:1]\nset yrange [0:1]\nset size ratio -1\n"
         "set key below left vertical Left reverse samplen 2\n"
         "set style fill transparent solid 0.22 noborder\n"
         "plot ";
}
}  // namespace

bool plot_roc_bands(const std::string& png, const std::string& title, const std::vector<BandSeries>& curves) {
  if (!gnuplot_available() || curves.empty()) return false;
  TempFolder tmp;
  std::string script =
      unit_square_plot(png, title, "False positive rate (1 - specificity)", "True positive rate (sensitivity)");
  for (size_t c = 0; c < curves.size(); ++c) {
    const std::string colour = kOkabeIto[c % 8];
    const std::string band = tmp.file(fmt::format("b{}.dat", c));
    {
      std::ofstream f(band);
      for (size_t i = 0; i < curves[c].band_x.size(); ++i)
        f << curves[c].band_x[i] << ' ' << curves[c].band_low[i] << ' ' << curves[c].band_high[i] << '\n';
    }
    const std::string line = tmp.file(fmt::format("c{}.dat", c));
    write_points(line, curves[c].curve.x, curves[c].curve.y);
    script += fmt::format("{} using 1:2:3 with filledcurves lc rgb '{}' notitle, ", quoted(band), colour);
    script += fmt::format("{} using 1:2 with lines lw 2.5 lc rgb '{}' title {}, ", quoted(line), colour,
                          quoted(curves[c].curve.label));
  }
  script += "x with lines dt 2 lc rgb '#888888' title 'chance'\n";
  return run_script(tmp, script, png);
}

bool plot_reliability(const std::string& png, const std::string& title, const std::vector<Series>& series) {
  if (!gnuplot_available() || series.empty()) return false;
  TempFolder tmp;
  std::string script =
      unit_square_plot(png, title, "Mean predicted probability (bin)", "Observed fraction of positives (bin)");
  for (size_t c = 0; c < series.size(); ++c) {
    const std::string data = tmp.file(fmt::format("r{}.dat", c));
    write_points(data, series[c].x, series[c].y);
    script += fmt::format("{} using 1:2 with linespoints lw 2 pt 7 lc rgb '{}' title {}, ", quoted(data),
                          kOkabeIto[c % 8], quoted(series[c].label));
  }
  script += "x with lines dt 2 lc rgb '#888888' title 'perfect calibration'\n";
  return run_script(tmp, script, png);
}

}  // namespace scopemia::eval
