# Every dependency is a Debian 12 package (scripts/install-deps.sh); an official
# libtorch (CPU or CUDA) can replace Debian's through -DCMAKE_PREFIX_PATH.

find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
# libdeflate inflates NRRD/NIfTI gzip payloads in one call (src/io/voxel_payload.cpp).
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)
find_package(OpenSSL REQUIRED)  # SHA-256 of report inputs (src/eval/report.cpp)
find_package(Torch REQUIRED)

# include(ITK_USE_FILE) generates the IO factory registration that lets
# itk::ImageFileReader find the NIfTI/NRRD/Meta/PNG readers. GDCM is not
# among them: DICOM series are read by libscopemia_io_gdcm, loaded when a
# DICOM folder is read (src/CMakeLists.txt, src/io/gdcm_series.h).
find_package(ITK 5 REQUIRED COMPONENTS
  ITKCommon ITKIOImageBase ITKIONIFTI ITKIONRRD ITKIOMeta ITKIOPNG
  ITKImageGrid ITKSmoothing)
include(${ITK_USE_FILE})

# DICOM RTSTRUCT / SEG are parsed with DCMTK's dcmdata (src/io/rtstruct.cpp,
# dicom_seg.cpp); its headers stay in those .cpp files, apart from ITK's GDCM.
find_package(DCMTK REQUIRED CONFIG)

find_package(Eigen3 REQUIRED NO_MODULE)
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3 REQUIRED)

# CLI11 is header-only; Debian ships CLI11Config.cmake in /usr/share/cmake.
find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  set_target_properties(CLI11::CLI11 PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${CLI11_INCLUDE_DIR})
endif()

# Classical learners for src/eval: libsvm (no CMake package) and XGBoost's C
# API (Debian's xgboost CMake targets name a missing file: find it by hand).
find_path(LIBSVM_INCLUDE_DIR libsvm/svm.h REQUIRED)
find_library(LIBSVM_LIBRARY svm REQUIRED)
find_path(XGBOOST_INCLUDE_DIR xgboost/c_api.h REQUIRED)
find_library(XGBOOST_LIBRARY xgboost REQUIRED)
add_library(scopemia_classical_ml INTERFACE)
target_include_directories(scopemia_classical_ml INTERFACE ${LIBSVM_INCLUDE_DIR} ${XGBOOST_INCLUDE_DIR})
target_link_libraries(scopemia_classical_ml INTERFACE ${LIBSVM_LIBRARY} ${XGBOOST_LIBRARY})
