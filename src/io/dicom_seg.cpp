#include "io/dicom_seg.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/error.h"
#include "io/dicom_dcmtk.h"
#include "io/dicom_series.h"
#include "io/image_io.h"

// Built into libscopemia_io_dcmtk (io/dcmtk_library.h): io forwards the
// declared functions here.
namespace scopemia::io::dcmtk_impl {

namespace {

constexpr const char* kSegSopClass = "1.2.840.10008.5.1.4.1.1.66.4";
constexpr const char* kLabelMapSegSopClass = "1.2.840.10008.5.1.4.1.1.66.7";

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

struct Frame {
  Vec3 position{0, 0, 0};
  int segment = 0;  // ReferencedSegmentNumber; -1 for LABELMAP (all segments)
};

struct Parsed {
  SegInfo info;
  Vec3 row{1, 0, 0}, col{0, 1, 0}, normal{0, 0, 1};
  double column_spacing = 1, row_spacing = 1;  // x, y (mm)
  std::vector<Frame> frames;
  std::unique_ptr<DcmFileFormat> file;
};

bool is_seg(DcmItem* ds) {
  const std::string sop = dcm::text(ds, DCM_SOPClassUID);
  return sop == kSegSopClass || sop == kLabelMapSegSopClass || dcm::text(ds, DCM_Modality) == "SEG";
}

// A functional group macro of frame `i`: per-frame first, shared otherwise.
DcmItem* functional_group(DcmItem* shared, DcmItem* per_frame, const DcmTagKey& tag) {
  if (DcmItem* g = dcm::first_item(per_frame, tag)) return g;
  return dcm::first_item(shared, tag);
}

Parsed parse(const std::string& path, bool pixels) {
  Parsed p;
  p.file = dcm::load(path, /*header_only=*/!pixels);
  DcmDataset* ds = p.file->getDataset();
  if (!is_seg(ds)) {
    const std::string modality = dcm::text(ds, DCM_Modality);
    throw InputError(path, "not a DICOM Segmentation (Modality " + (modality.empty() ? "?" : modality) + ")");
  }
  SegInfo& info = p.info;
  info.path = path;
  info.type = dcm::text(ds, DCM_SegmentationType);
  if (info.type.empty()) info.type = "BINARY";
  if (info.type != "BINARY" && info.type != "FRACTIONAL" && info.type != "LABELMAP")
    throw InputError(path, "unsupported SegmentationType " + info.type + " (BINARY, FRACTIONAL, LABELMAP)");
  info.fractional_type = dcm::text(ds, DCM_SegmentationFractionalType);
  info.max_fractional_value = dcm::number(ds, DCM_MaximumFractionalValue, 255);
  if (info.max_fractional_value <= 0) info.max_fractional_value = 255;
  info.rows = dcm::integer(ds, DCM_Rows, 0);
  info.columns = dcm::integer(ds, DCM_Columns, 0);
  info.frames = dcm::integer(ds, DCM_NumberOfFrames, 1);
  info.bits_allocated = dcm::integer(ds, DCM_BitsAllocated, 0);
  const auto padding = dcm::numbers(ds, DCM_PixelPaddingValue);
  if (!padding.empty()) info.padding_value = int(padding.front());
  info.frame_of_reference_uid = dcm::text(ds, DCM_FrameOfReferenceUID);
  if (DcmItem* ref = dcm::first_item(ds, DCM_ReferencedSeriesSequence))
    info.referenced_series_uid = dcm::text(ref, DCM_SeriesInstanceUID);
  if (info.rows <= 0 || info.columns <= 0 || info.frames <= 0)
    throw InputError(path, fmt::format("SEG has {} rows, {} columns, {} frames", info.rows, info.columns, info.frames));
  const int bits = info.bits_allocated;
  if (!((info.type == "BINARY" && bits == 1) || (info.type == "FRACTIONAL" && bits == 8) ||
        (info.type == "LABELMAP" && (bits == 8 || bits == 16))))
    throw InputError(path, fmt::format("{} SEG with BitsAllocated {} is not valid", info.type, bits));

  for (DcmItem* s : dcm::items(ds, DCM_SegmentSequence)) {
    SegSegment seg;
    seg.number = dcm::integer(s, DCM_SegmentNumber, -1);
    seg.label = dcm::text(s, DCM_SegmentLabel);
    seg.description = dcm::text(s, DCM_SegmentDescription);
    if (DcmItem* type = dcm::first_item(s, DCM_SegmentedPropertyTypeCodeSequence))
      seg.property = dcm::text(type, DCM_CodeMeaning);
    info.segments.push_back(std::move(seg));
  }

  DcmItem* shared = dcm::first_item(ds, DCM_SharedFunctionalGroupsSequence);
  const auto per_frame = dcm::items(ds, DCM_PerFrameFunctionalGroupsSequence);
  if (!per_frame.empty() && int(per_frame.size()) != info.frames)
    throw InputError(path, fmt::format("{} frames but {} per-frame functional groups", info.frames, per_frame.size()));

  // Orientation and pixel spacing: one for all frames (a SEG is one plane stack).
  std::vector<double> iop, spacing;
  for (int f = 0; f < info.frames; ++f) {
    DcmItem* pf = per_frame.empty() ? nullptr : per_frame[f];
    const auto o =
        dcm::numbers(functional_group(shared, pf, DCM_PlaneOrientationSequence), DCM_ImageOrientationPatient);
    const auto s = dcm::numbers(functional_group(shared, pf, DCM_PixelMeasuresSequence), DCM_PixelSpacing);
    if (f == 0) {
      iop = o;
      spacing = s;
    } else {
      for (size_t i = 0; i < std::min(o.size(), iop.size()); ++i)
        if (std::abs(o[i] - iop[i]) > 1e-4)
          throw InputError(path,
                           fmt::format("frame {} has another orientation than frame 1 (mixed orientations)", f + 1));
    }
  }
  if (iop.size() != 6) throw InputError(path, "SEG has no Image Orientation (Patient)");
  if (spacing.size() != 2 || spacing[0] <= 0 || spacing[1] <= 0) throw InputError(path, "SEG has no Pixel Spacing");
  p.row = {iop[0], iop[1], iop[2]};
  p.col = {iop[3], iop[4], iop[5]};
  p.normal = cross(p.row, p.col);
  p.row_spacing = spacing[0];     // between rows: along y
  p.column_spacing = spacing[1];  // between columns: along x

  std::map<int, int> frames_per_segment;
  for (int f = 0; f < info.frames; ++f) {
    DcmItem* pf = per_frame.empty() ? nullptr : per_frame[f];
    Frame frame;
    const auto pos = dcm::numbers(functional_group(shared, pf, DCM_PlanePositionSequence), DCM_ImagePositionPatient);
    if (pos.size() != 3) throw InputError(path, fmt::format("frame {} has no Plane Position (Patient)", f + 1));
    frame.position = {pos[0], pos[1], pos[2]};
    if (info.type == "LABELMAP") {
      frame.segment = -1;
    } else {
      DcmItem* id = functional_group(shared, pf, DCM_SegmentIdentificationSequence);
      frame.segment = dcm::integer(id, DCM_ReferencedSegmentNumber, -1);
      if (frame.segment < 0) throw InputError(path, fmt::format("frame {} names no segment", f + 1));
    }
    ++frames_per_segment[frame.segment];
    p.frames.push_back(frame);
  }
  for (auto& s : info.segments) s.frame_count = info.type == "LABELMAP" ? info.frames : frames_per_segment[s.number];

  // The SEG's own grid: frames stacked along the normal, spaced by
  // SpacingBetweenSlices (else the smallest gap between frame planes), so
  // planes without frames become empty slices.
  std::vector<double> d;
  for (const auto& f : p.frames) d.push_back(dot(f.position, p.normal));
  std::sort(d.begin(), d.end());
  std::vector<double> planes;
  for (double v : d)
    if (planes.empty() || v - planes.back() > 1e-3) planes.push_back(v);
  DcmItem* measures = dcm::first_item(shared, DCM_PixelMeasuresSequence);
  if (!measures && !per_frame.empty()) measures = dcm::first_item(per_frame[0], DCM_PixelMeasuresSequence);
  double dz = dcm::number(measures, DCM_SpacingBetweenSlices, 0);
  if (!(dz > 0)) {
    dz = 0;
    for (size_t i = 1; i < planes.size(); ++i)
      dz = dz == 0 ? planes[i] - planes[i - 1] : std::min(dz, planes[i] - planes[i - 1]);
    if (!(dz > 0)) dz = dcm::number(measures, DCM_SliceThickness, 1);
    if (!(dz > 0)) dz = 1;
  }
  const double extent = planes.back() - planes.front();
  const int64_t nz = int64_t(std::llround(extent / dz)) + 1;
  const auto lowest = std::min_element(p.frames.begin(), p.frames.end(), [&](const Frame& a, const Frame& b) {
    return dot(a.position, p.normal) < dot(b.position, p.normal);
  });
  info.size = Size3{info.columns, info.rows, nz};
  info.geometry.spacing = {p.column_spacing, p.row_spacing, dz};
  info.geometry.origin = lowest->position;
  for (int i = 0; i < 3; ++i) {
    info.geometry.direction[i * 3 + 0] = p.row[i];
    info.geometry.direction[i * 3 + 1] = p.col[i];
    info.geometry.direction[i * 3 + 2] = p.normal[i];
  }
  return p;
}

// Stored pixel values, read in place from the Pixel Data (never expanded:
// a SEG with many segments can hold billions of 1-bit pixels).
struct Pixels {
  const Uint8* bytes = nullptr;
  const Uint16* words = nullptr;  // 16-bit data held as OW
  int bits = 1;
  size_t per_frame = 0;
  uint16_t operator()(size_t frame, size_t i) const {
    const size_t k = frame * per_frame + i;
    if (bits == 1) return (bytes[k >> 3] >> (k & 7)) & 1;  // frames follow bit by bit, LSB first
    if (bits == 8) return bytes[k];
    if (words) return words[k];
    return uint16_t(bytes[2 * k] | (bytes[2 * k + 1] << 8));
  }
};

Pixels pixels_of(Parsed& p) {
  DcmDataset* ds = p.file->getDataset();
  const SegInfo& info = p.info;
  // Encapsulated (RLE; deflate is undone while reading) -> native.
  if (ds->chooseRepresentation(EXS_LittleEndianExplicit, nullptr).bad())
    throw InputError(info.path, "cannot decompress the SEG's pixel data (transfer syntax not supported)");
  Pixels px;
  px.bits = info.bits_allocated;
  px.per_frame = size_t(info.rows) * size_t(info.columns);
  const size_t total = px.per_frame * size_t(info.frames);
  unsigned long count = 0;
  size_t byte_count = 0;
  if (ds->findAndGetUint8Array(DCM_PixelData, px.bytes, &count).good() && px.bytes) {
    byte_count = count;
  } else {
    px.bytes = nullptr;
    if (ds->findAndGetUint16Array(DCM_PixelData, px.words, &count).bad() || !px.words)
      throw InputError(info.path, "SEG has no readable Pixel Data");
    byte_count = size_t(count) * 2;
    if (px.bits != 16)
      px.bytes = reinterpret_cast<const Uint8*>(px.words);  // OW holding a byte stream (host order)
    else if (count < total)
      px.words = nullptr;
  }
  const size_t needed = px.bits == 1 ? (total + 7) / 8 : total * size_t(px.bits / 8);
  if (byte_count < needed)
    throw InputError(info.path, fmt::format("Pixel Data holds {} bytes; {} frames of {}x{} {}-bit pixels need {}",
                                            byte_count, info.frames, info.columns, info.rows, px.bits, needed));
  if (px.bits == 16 && !px.words && !px.bytes) throw InputError(info.path, "SEG has no readable Pixel Data");
  return px;
}

struct Grid {
  Size3 size;
  Geometry geometry;
};

Grid output_grid(const Parsed& p, const SegReadOptions& options) {
  if (options.reference_folder.empty()) return {p.info.size, p.info.geometry};
  const auto all = find_dicom_series(options.reference_folder);
  std::string uid = !options.series_uid.empty() ? options.series_uid : p.info.referenced_series_uid;
  std::string chosen;
  const DicomSeries* series = nullptr;
  if (uid.empty()) {
    series = &all.front();
    chosen = series->uid;
  } else {
    for (const auto& s : all)
      if (dcm::series_matches(s.uid, uid, /*prefix=*/!options.series_uid.empty())) {
        series = &s;
        chosen = s.uid;
        break;
      }
    if (chosen.empty()) {
      std::string known;
      for (const auto& s : all) known += (known.empty() ? "" : ", ") + s.uid;
      throw InputError(options.reference_folder,
                       fmt::format("does not hold the image series that {} references ({}); series here: {}",
                                   p.info.path, uid, known));
    }
  }
  if (!p.info.frame_of_reference_uid.empty()) {
    auto first = dcm::load(series->files.front(), /*header_only=*/true);
    const std::string frame = dcm::text(first->getDataset(), DCM_FrameOfReferenceUID);
    if (!frame.empty() && frame != p.info.frame_of_reference_uid)
      throw InputError(options.reference_folder, fmt::format("frame of reference {} differs from the SEG's ({}) in {}",
                                                             frame, p.info.frame_of_reference_uid, p.info.path));
  }
  ReadOptions read;
  read.series_uid = chosen;
  const ImageInfo image = read_info(options.reference_folder, read);
  return {image.size, image.geometry};
}

// Where each frame's first pixel lands on `grid` (voxel index), after
// checking that the SEG's rows and columns run along the grid's x and y with
// the same spacing and that every frame origin is on a voxel centre.
std::vector<Index3> locate_frames(const Parsed& p, const Grid& grid, const SegReadOptions& options) {
  const Geometry& g = grid.geometry;
  const double tolerance = options.position_tolerance_mm >= 0
                               ? options.position_tolerance_mm
                               : 0.25 * std::min({g.spacing[0], g.spacing[1], g.spacing[2]});
  const Vec3 gx{g.direction[0], g.direction[3], g.direction[6]};
  const Vec3 gy{g.direction[1], g.direction[4], g.direction[7]};
  if (dot(gx, p.row) < 1 - 1e-4 || dot(gy, p.col) < 1 - 1e-4)
    throw InputError(p.info.path, "the SEG's frames are not aligned with the rows and columns of the reference series");
  if (std::abs(g.spacing[0] - p.column_spacing) > 1e-3 * g.spacing[0] ||
      std::abs(g.spacing[1] - p.row_spacing) > 1e-3 * g.spacing[1])
    throw InputError(p.info.path,
                     fmt::format("SEG pixel spacing {} x {} mm differs from the reference series' {} x {} mm",
                                 p.column_spacing, p.row_spacing, g.spacing[0], g.spacing[1]));
  std::vector<Index3> out;
  for (size_t f = 0; f < p.frames.size(); ++f) {
    const Frame& frame = p.frames[f];
    const Vec3 idx = g.physical_to_index(frame.position);
    const Index3 o{std::llround(idx[0]), std::llround(idx[1]), std::llround(idx[2])};
    const double off =
        std::max({std::abs(idx[0] - double(o.x)) * g.spacing[0], std::abs(idx[1] - double(o.y)) * g.spacing[1],
                  std::abs(idx[2] - double(o.z)) * g.spacing[2]});
    if (off > tolerance)
      throw InputError(p.info.path,
                       fmt::format("frame {} at ({:.3f}, {:.3f}, {:.3f}) lies {:.3f} mm off the voxel grid (tolerance "
                                   "{:.3f} mm)",
                                   f + 1, frame.position[0], frame.position[1], frame.position[2], off, tolerance));
    if (o.z < 0 || o.z >= grid.size.z)
      throw InputError(p.info.path, fmt::format("frame {} at ({:.3f}, {:.3f}, {:.3f}) is outside the reference series",
                                                f + 1, frame.position[0], frame.position[1], frame.position[2]));
    out.push_back(o);
  }
  return out;
}

// Calls put(frame_index, x, y, z, value) for every stored pixel of the
// frames `want` selects, placed on `grid` (pixels beyond the grid are cut).
template <typename Want, typename Put>
void place_frames(const Parsed& p, const Pixels& values, const Grid& grid, const std::vector<Index3>& where, Want want,
                  Put put) {
  for (size_t f = 0; f < p.frames.size(); ++f) {
    if (!want(p.frames[f])) continue;
    const Index3& o = where[f];
    for (int64_t y = 0; y < p.info.rows; ++y) {
      const int64_t ty = o.y + y;
      if (ty < 0 || ty >= grid.size.y) continue;
      for (int64_t x = 0; x < p.info.columns; ++x) {
        const int64_t tx = o.x + x;
        if (tx < 0 || tx >= grid.size.x) continue;
        put(f, tx, ty, o.z, values(f, size_t(y * p.info.columns + x)));
      }
    }
  }
}

std::string segment_list(const SegInfo& info) {
  std::string s;
  for (const auto& seg : info.segments) s += (s.empty() ? "" : ", ") + fmt::format("{} \"{}\"", seg.number, seg.label);
  return s.empty() ? std::string("none") : s;
}

// Fractions of one segment on the output grid.
Volume segment_fraction(const std::string& path, const std::string& selector, const SegReadOptions& options) {
  Parsed p = parse(path, /*pixels=*/true);
  const int number = choose_segment(p.info, selector).number;
  const Pixels values = pixels_of(p);
  const Grid grid = output_grid(p, options);
  Volume out(grid.size, grid.geometry, 0.f);
  const std::string& type = p.info.type;
  const double max_value = p.info.max_fractional_value;
  place_frames(
      p, values, grid, locate_frames(p, grid, options),
      [&](const Frame& f) { return type == "LABELMAP" || f.segment == number; },
      [&](size_t, int64_t x, int64_t y, int64_t z, uint16_t v) {
        float value;
        if (type == "LABELMAP")
          value = v == number ? 1.f : 0.f;
        else if (type == "FRACTIONAL")
          value = float(std::min(1.0, double(v) / max_value));
        else
          value = v ? 1.f : 0.f;
        // Several frames of one segment on one plane: keep the largest.
        float& target = out.at(x, y, z);
        target = std::max(target, value);
      });
  out.set_source_pixel_type(PixelType::Float32);
  return out;
}

}  // namespace

bool is_seg_file(const std::string& path) {
  auto file = dcm::try_load(path, /*header_only=*/true);
  return file && is_seg(file->getDataset());
}

SegInfo read_seg_info(const std::string& path) { return parse(path, /*pixels=*/false).info; }

const SegSegment& choose_segment(const SegInfo& info, const std::string& selector) {
  if (selector.empty()) {
    if (info.segments.size() == 1) return info.segments.front();
    throw InputError(info.path, "several segments: choose one (" + segment_list(info) + ")");
  }
  if (std::all_of(selector.begin(), selector.end(), ::isdigit)) {
    const int number = std::atoi(selector.c_str());
    for (const auto& s : info.segments)
      if (s.number == number) return s;
  }
  for (const auto& s : info.segments)
    if (s.label == selector) return s;
  const SegSegment* found = nullptr;
  for (const auto& s : info.segments)
    if (lower(s.label) == lower(selector)) {
      if (found) throw InputError(info.path, "segment \"" + selector + "\" is ambiguous (" + segment_list(info) + ")");
      found = &s;
    }
  if (found) return *found;
  throw InputError(info.path, "no segment \"" + selector + "\" (segments: " + segment_list(info) + ")");
}

Volume read_seg_fraction(const std::string& path, const std::string& selector, const SegReadOptions& options) {
  return segment_fraction(path, selector, options);
}

LabelMap read_seg_segment(const std::string& path, const std::string& selector, const SegReadOptions& options) {
  const Volume fraction = segment_fraction(path, selector, options);
  LabelMap mask(fraction.size(), fraction.geometry(), 0);
  const float threshold = float(options.fraction_threshold);
  for (int64_t i = 0; i < fraction.voxel_count(); ++i) mask[i] = fraction[i] > 0 && fraction[i] >= threshold ? 1 : 0;
  return mask;
}

LabelMap read_seg_label_map(const std::string& path, const SegReadOptions& options) {
  Parsed p = parse(path, /*pixels=*/true);
  const Pixels values = pixels_of(p);
  const Grid grid = output_grid(p, options);
  const std::string& type = p.info.type;
  if (type == "LABELMAP") {
    const uint8_t fill = uint8_t(std::clamp(p.info.padding_value.value_or(0), 0, 255));
    LabelMap out(grid.size, grid.geometry, 0);
    // Planes of the output grid that no frame covers take the padding value.
    const auto where = locate_frames(p, grid, options);
    std::vector<bool> covered(size_t(grid.size.z), false);
    for (const auto& o : where) covered[size_t(o.z)] = true;
    for (int64_t z = 0; z < grid.size.z; ++z)
      if (!covered[size_t(z)]) std::fill_n(out.data() + z * grid.size.x * grid.size.y, grid.size.x * grid.size.y, fill);
    uint16_t too_large = 0;
    place_frames(
        p, values, grid, where, [](const Frame&) { return true; },
        [&](size_t, int64_t x, int64_t y, int64_t z, uint16_t v) {
          if (v > 255) too_large = v;
          out.at(x, y, z) = uint8_t(v);
        });
    if (too_large) throw InputError(path, fmt::format("label {} exceeds 255", too_large));
    return out;
  }
  for (const auto& s : p.info.segments)
    if (s.number > 255 || s.number < 1)
      throw InputError(path, fmt::format("segment number {} is not a label 1-255", s.number));
  LabelMap out(grid.size, grid.geometry, 0);
  const double max_value = p.info.max_fractional_value;
  const double threshold = options.fraction_threshold;
  std::string overlap;
  place_frames(
      p, values, grid, locate_frames(p, grid, options), [](const Frame&) { return true; },
      [&](size_t f, int64_t x, int64_t y, int64_t z, uint16_t v) {
        const bool in = type == "FRACTIONAL" ? (v > 0 && double(v) / max_value >= threshold) : v != 0;
        if (!in) return;
        uint8_t& target = out.at(x, y, z);
        const int segment = p.frames[f].segment;
        if (target != 0 && target != segment && overlap.empty())
          overlap = fmt::format("segments {} and {} overlap at voxel ({}, {}, {})", int(target), segment, x, y, z);
        target = uint8_t(segment);
      });
  if (!overlap.empty()) throw InputError(path, overlap + ": read the segments one at a time (--segment)");
  return out;
}

}  // namespace scopemia::io::dcmtk_impl
