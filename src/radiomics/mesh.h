#pragma once
// The surface mesh PyRadiomics 3.1 builds for its shape features (its C
// extension cshape.c): marching cubes (3D) / marching squares (2D) on the
// binary mask padded by one voxel, iso-level halfway, so every mesh vertex is
// the midpoint of an edge between a voxel inside and a voxel outside the ROI.
// Coordinates are padded voxel indices times spacing, in numpy order (z, y, x);
// the direction matrix is not used (PyRadiomics ignores it). See
// docs/radiomics-shape.md.
#include <array>
#include <cstdint>
#include <vector>

#include "core/geometry.h"

namespace scopemia::radiomics {

// A mesh vertex in doubled padded-index coordinates (z, y, x): the vertex
// lies at (k / 2) * spacing on each axis. Exactly one component is odd.
using HalfIndex = std::array<int32_t, 3>;

// Maximum distances between mesh vertices (mm), as PyRadiomics reports them.
struct MeshDiameters {
  double slice = 0;   // vertices with equal z (Maximum2DDiameterSlice)
  double column = 0;  // equal y (Maximum2DDiameterColumn)
  double row = 0;     // equal x (Maximum2DDiameterRow)
  double max3d = 0;   // all pairs (Maximum3DDiameter)
};

struct Mesh3DMeasures {
  double volume = 0;        // signed-tetrahedra (divergence theorem) volume, mm^3
  double surface_area = 0;  // sum of triangle areas, mm^2
  MeshDiameters diameters;
  int64_t triangles = 0;
  std::vector<HalfIndex> vertices;  // every vertex once
};

// `mask`: size.x*size.y*size.z bytes, x fastest; a voxel is in the ROI when
// its byte equals `label` (label < 0: any non-zero byte). spacing: x, y, z (mm).
// As PyRadiomics, the grid is cropped to the ROI's bounding box and padded by
// one empty voxel on each side; vertex coordinates are relative to that box.
// The volume depends (slightly) on that origin: see docs/radiomics-shape.md.
Mesh3DMeasures mesh_measures_3d(const uint8_t* mask, const Size3& size, const Vec3& spacing, int label = -1);

// Diameters over a vertex set; spacing_zyx in numpy order. The fast search
// (section convex hulls + bound pruning, exact) and the plain all-pairs search
// PyRadiomics does; both return the same values.
MeshDiameters mesh_diameters(const std::vector<HalfIndex>& vertices, const Vec3& spacing_zyx);
MeshDiameters mesh_diameters_all_pairs(const std::vector<HalfIndex>& vertices, const Vec3& spacing_zyx);

struct Mesh2DMeasures {
  double surface = 0;    // signed-triangle area of the contour, mm^2
  double perimeter = 0;  // contour length, mm
  double diameter = 0;   // largest distance between contour vertices, mm
  std::vector<std::array<int32_t, 2>> vertices;  // doubled padded (y, x)
};

// 2D: `mask` is width*height bytes, x fastest; spacing_x/y in mm. Cropped
// and padded like the 3D mesh.
Mesh2DMeasures mesh_measures_2d(const uint8_t* mask, int64_t width, int64_t height, double spacing_x,
                                double spacing_y, int label = -1);

double mesh_diameter_2d_all_pairs(const std::vector<std::array<int32_t, 2>>& vertices, double spacing_y,
                                  double spacing_x);

}  // namespace scopemia::radiomics
