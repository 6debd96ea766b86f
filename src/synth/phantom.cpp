#include "synth/phantom.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "core/error.h"
#include "core/progress.h"
#include "core/random.h"
#include "core/runtime.h"
#include "imaging/gaussian.h"
#include "io/csv.h"
#include "io/image_io.h"

namespace scopemia::synth {
namespace fs = std::filesystem;

namespace {

constexpr double kPi = 3.14159265358979323846;

// White noise smoothed to a correlation length of `sigma_mm`, rescaled to
// zero mean and unit standard deviation.
Volume correlated_noise(Random& rng, const Size3& size, const Geometry& g, double sigma_mm) {
  Volume white(size, g);
  for (int64_t i = 0; i < white.voxel_count(); ++i) white[i] = static_cast<float>(rng.normal());
  Volume field = imaging::gaussian_blur(white, Vec3{sigma_mm, sigma_mm, sigma_mm});
  double sum = 0, sum2 = 0;
  for (int64_t i = 0; i < field.voxel_count(); ++i) {
    sum += field[i];
    sum2 += double(field[i]) * field[i];
  }
  const double n = double(field.voxel_count()), mean = sum / n;
  const double sd = std::sqrt(std::max(sum2 / n - mean * mean, 1e-12));
  for (int64_t i = 0; i < field.voxel_count(); ++i) field[i] = static_cast<float>((field[i] - mean) / sd);
  return field;
}

// Fraction of a voxel inside a surface at signed depth `depth_mm` (positive
// inside): a 1 mm linear ramp, the partial-volume effect of a CT voxel.
double coverage(double depth_mm) { return std::clamp(depth_mm + 0.5, 0.0, 1.0); }

struct Ellipse {
  double cx, cy, ax, ay;
  // Approximate signed depth (mm) of (x, y) inside the ellipse.
  double depth(double x, double y) const {
    const double r = std::hypot((x - cx) / ax, (y - cy) / ay);
    return (1.0 - r) * std::min(ax, ay);
  }
};

struct Vessel {
  Vec3 a, b;
  double radius;
  double distance(const Vec3& p) const {
    Vec3 ab{b[0] - a[0], b[1] - a[1], b[2] - a[2]}, ap{p[0] - a[0], p[1] - a[1], p[2] - a[2]};
    const double len2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2];
    const double t = std::clamp((ap[0] * ab[0] + ap[1] * ab[1] + ap[2] * ab[2]) / len2, 0.0, 1.0);
    const double dx = ap[0] - t * ab[0], dy = ap[1] - t * ab[1], dz = ap[2] - t * ab[2];
    return std::sqrt(dx * dx + dy * dy + dz * dz);
  }
};

Vec3 random_unit_vector(Random& rng) {
  const double z = rng.uniform(-1, 1), phi = rng.uniform(0, 2 * kPi), r = std::sqrt(1 - z * z);
  return Vec3{r * std::cos(phi), r * std::sin(phi), z};
}

}  // namespace

PhantomCase make_phantom_case(const PhantomOptions& o, int index) {
  Random rng(o.seed, static_cast<uint64_t>(index));
  const Size3 s = o.size;
  Geometry g;
  g.spacing = o.spacing;
  for (int i = 0; i < 3; ++i) {
    const int64_t n = i == 0 ? s.x : i == 1 ? s.y : s.z;
    g.origin[i] = -0.5 * double(n - 1) * o.spacing[i];  // centred on (0,0,0)
  }
  const double half_w = 0.5 * s.x * g.spacing[0], half_h = 0.5 * s.y * g.spacing[1];
  const double half_d = 0.5 * s.z * g.spacing[2];

  // Anatomy: body, two lungs, vessels.
  const Ellipse body{0, 0, 0.92 * half_w * rng.uniform(0.95, 1.0), 0.76 * half_h * rng.uniform(0.95, 1.0)};
  const double lung_ax = 0.34 * half_w, lung_ay = 0.54 * half_h;
  const Ellipse lungs[2] = {{-0.40 * half_w, 0, lung_ax, lung_ay}, {0.40 * half_w, 0, lung_ax, lung_ay}};
  std::vector<Vessel> vessels;
  for (int v = 0; v < 8; ++v) {
    const Ellipse& lung = lungs[v % 2];
    auto point = [&] {
      return Vec3{lung.cx + rng.uniform(-0.8, 0.8) * lung.ax, lung.cy + rng.uniform(-0.8, 0.8) * lung.ay,
                  rng.uniform(-half_d, half_d)};
    };
    const Vec3 a = point(), b = point();
    vessels.push_back({a, b, rng.uniform(0.6, 1.6)});
  }

  // Lesion parameters: size, shape and texture drawn independently, so size
  // explains neither target.
  LesionParameters p;
  p.radius_mm = rng.uniform(4.0, 8.0);
  p.elongation = rng.uniform(1.0, 1.5);
  p.lobulation = rng.uniform(0.0, 0.3);
  p.heterogeneity = rng.uniform(0.0, 1.0);
  const Ellipse& host = lungs[rng.uniform() < 0.5 ? 0 : 1];
  p.centre_mm = Vec3{host.cx + rng.uniform(-0.3, 0.3) * host.ax, host.cy + rng.uniform(-0.3, 0.3) * host.ay,
                     rng.uniform(-3.0, 3.0)};
  const Vec3 axis = random_unit_vector(rng);
  const double phase[4] = {rng.uniform(0, 2 * kPi), rng.uniform(0, 2 * kPi), rng.uniform(0, 2 * kPi),
                           rng.uniform(0, 2 * kPi)};
  p.heterogeneous = p.heterogeneity + rng.normal(0.0, 0.08) > 0.5 ? 1 : 0;
  p.shape_score = 10.0 * p.lobulation + 2.0 * (p.elongation - 1.0) + rng.normal(0.0, 0.1);

  const Volume tissue_texture = correlated_noise(rng, s, g, 1.5);
  const Volume lesion_texture = correlated_noise(rng, s, g, 1.0);

  PhantomCase out;
  out.id = fmt::format("case_{:03d}", index + 1);
  out.image = Volume(s, g, -1000.f);
  out.image.set_source_pixel_type(PixelType::Int16);
  out.mask = LabelMap(s, g, 0);
  out.lesion = p;

  // Fraction of the voxel at offset d (mm) from the lesion centre inside the
  // elongated, lobulated lesion surface.
  const double outer_radius = p.radius_mm * (1.0 + p.lobulation) * p.elongation + 1.0;
  auto lesion_coverage = [&](const Vec3& d) {
    const double distance = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    if (distance > outer_radius) return 0.0;  // spares the trigonometry below
    const double along = d[0] * axis[0] + d[1] * axis[1] + d[2] * axis[2];
    const Vec3 perp{d[0] - along * axis[0], d[1] - along * axis[1], d[2] - along * axis[2]};
    const double a = along / p.elongation;
    const double r = std::sqrt(perp[0] * perp[0] + perp[1] * perp[1] + perp[2] * perp[2] + a * a);
    const double theta = std::acos(std::clamp(d[2] / std::max(distance, 1e-9), -1.0, 1.0));
    const double phi = std::atan2(d[1], d[0]);
    const double bumps = 0.5 * std::sin(3 * theta + phase[0]) * std::sin(2 * phi + phase[1]) +
                         0.5 * std::cos(4 * phi + phase[2]) * std::sin(2 * theta + phase[3]);
    return coverage(p.radius_mm * (1.0 + p.lobulation * bumps) - r);
  };

  for (int64_t z = 0; z < s.z; ++z)
    for (int64_t y = 0; y < s.y; ++y)
      for (int64_t x = 0; x < s.x; ++x) {
        const Vec3 pos = g.index_to_physical(Index3{x, y, z});
        const int64_t i = out.image.offset(x, y, z);
        const double t = tissue_texture[i];
        // Air -> soft tissue -> lung parenchyma, with partial volume at edges.
        const double in_body = coverage(body.depth(pos[0], pos[1]));
        const double in_lung = std::max(coverage(lungs[0].depth(pos[0], pos[1])),
                                        coverage(lungs[1].depth(pos[0], pos[1])));
        double hu = -1000.0 * (1 - in_body) + in_body * ((40.0 + 10.0 * t) * (1 - in_lung) + (-840.0 + 35.0 * t) * in_lung);
        if (in_lung > 0) {
          double vessel = 0;
          for (const auto& v : vessels) vessel = std::max(vessel, coverage(v.radius - v.distance(pos)));
          hu += in_lung * vessel * (40.0 - hu);
        }
        const double in_lesion =
            lesion_coverage(Vec3{pos[0] - p.centre_mm[0], pos[1] - p.centre_mm[1], pos[2] - p.centre_mm[2]});
        if (in_lesion > 0) {
          const double lesion_hu = 30.0 + p.heterogeneity * 110.0 * lesion_texture[i];
          hu = hu * (1 - in_lesion) + lesion_hu * in_lesion;
          if (in_lesion >= 0.5) out.mask[i] = 1;
        }
        // Quantum noise, then the scanner's integer HU.
        hu += rng.normal(0.0, 12.0);
        out.image[i] = static_cast<float>(std::clamp(std::nearbyint(hu), -1024.0, 3071.0));
      }
  return out;
}

CohortSummary write_phantom_cohort(const std::string& dir, const PhantomOptions& options) {
  if (options.cases < 1) throw InputError("--cases must be at least 1");
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "images", ec);
  if (!ec) fs::create_directories(fs::path(dir) / "masks", ec);
  if (ec) throw InputError(dir, "cannot create output folder: " + ec.message());

  std::vector<LesionParameters> lesions(options.cases);
  std::vector<int64_t> lesion_voxels(options.cases);
  std::atomic<int> next{0};
  std::mutex error_mutex;
  std::exception_ptr error;
  Progress progress("cases", options.cases);
  auto worker = [&] {
    for (int i = next++; i < options.cases; i = next++) {
      try {
        PhantomCase c = make_phantom_case(options, i);
        io::write_volume(c.image, (fs::path(dir) / "images" / (c.id + ".nii.gz")).string());
        io::write_label_map(c.mask, (fs::path(dir) / "masks" / (c.id + ".nii.gz")).string());
        lesions[i] = c.lesion;
        int64_t n = 0;
        for (int64_t v = 0; v < c.mask.voxel_count(); ++v) n += c.mask[v];
        lesion_voxels[i] = n;
        progress.advance();
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = options.cases;
      }
    }
  };
  const int threads = std::max(1, std::min(options.threads > 0 ? options.threads : hardware_threads(), options.cases));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  progress.finish();
  if (error) std::rethrow_exception(error);

  io::CsvTable table;
  table.header = {"ID", "Image", "Mask", "patient_id", "heterogeneous", "shape_score", "texture_heterogeneity",
                  "lobulation", "elongation", "radius_mm", "lesion_volume_ml"};
  CohortSummary summary;
  summary.cases = options.cases;
  const double voxel_ml = options.spacing[0] * options.spacing[1] * options.spacing[2] / 1000.0;
  summary.volume_ml_min = 1e300;
  for (int i = 0; i < options.cases; ++i) {
    const std::string id = fmt::format("case_{:03d}", i + 1);
    const auto& p = lesions[i];
    const double volume_ml = lesion_voxels[i] * voxel_ml;
    table.rows.push_back({id, "images/" + id + ".nii.gz", "masks/" + id + ".nii.gz", fmt::format("P{:03d}", i + 1),
                          std::to_string(p.heterogeneous), fmt::format("{:.6f}", p.shape_score),
                          fmt::format("{:.6f}", p.heterogeneity), fmt::format("{:.6f}", p.lobulation),
                          fmt::format("{:.6f}", p.elongation), fmt::format("{:.6f}", p.radius_mm),
                          fmt::format("{:.6f}", volume_ml)});
    summary.heterogeneous += p.heterogeneous;
    summary.shape_mean += p.shape_score / options.cases;
    summary.volume_ml_min = std::min(summary.volume_ml_min, volume_ml);
    summary.volume_ml_max = std::max(summary.volume_ml_max, volume_ml);
  }
  double ss = 0;
  for (const auto& p : lesions) ss += (p.shape_score - summary.shape_mean) * (p.shape_score - summary.shape_mean);
  summary.shape_sd = options.cases > 1 ? std::sqrt(ss / (options.cases - 1)) : 0.0;
  summary.csv_path = (fs::path(dir) / "cases.csv").string();
  io::write_csv(table, summary.csv_path);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace scopemia::synth
