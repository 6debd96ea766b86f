#include "infer/embed.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "core/crop.h"
#include "io/csv.h"
#include "support/refdata.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"
#include "synth/phantom.h"

namespace scopemia::infer {
namespace {
using testing::TempDir;

TEST(Embed, SameCaseWithMoreSurroundingGivesTheSameEmbedding) {
  // The lesion is cropped with a margin before the network sees it: padding
  // the scan far from the lesion must not change its embedding.
  synth::PhantomOptions p;
  const synth::PhantomCase c = synth::make_phantom_case(p, 0);
  const Volume padded = pad(c.image, Size3{7, 5, 3}, Size3{2, 9, 4}, -1000.f);
  const LabelMap padded_mask = pad(c.mask, Size3{7, 5, 3}, Size3{2, 9, 4}, uint8_t(0));
  EmbedOptions o;
  o.preprocess.spacing = {0, 0, 0};  // no resampling: the grids align exactly
  o.preprocess.height = o.preprocess.width = 32;
  const Embedder embedder(o);
  const auto a = embedder.embed(c.image, c.mask), b = embedder.embed(padded, padded_mask);
  ASSERT_EQ(a.size(), embedder.names().size());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << embedder.names()[i];
  // ... while another lesion gives another embedding.
  const synth::PhantomCase other = synth::make_phantom_case(p, 1);
  EXPECT_NE(embedder.embed(other.image, other.mask), a);
}

TEST(Embed, RoiAndGlobalPoolsDifferAndNamesFollowTheStreams) {
  synth::PhantomOptions p;
  const synth::PhantomCase c = synth::make_phantom_case(p, 2);
  EmbedOptions o;
  o.preprocess.height = o.preprocess.width = 32;
  const Embedder embedder(o);
  const auto& names = embedder.names();
  EXPECT_EQ(names.front(), "scope_A_0");
  const auto v = embedder.embed(c.image, c.mask);
  const size_t half = v.size() / 2;
  EXPECT_EQ(names[half].rfind("scope_A_global_", 0), 0u);
  EXPECT_NE(std::vector<float>(v.begin(), v.begin() + half), std::vector<float>(v.begin() + half, v.end()));
}

TEST(EmbedCli, LidcRowsJoinRadiomicsByIdAndRepeatByteForByte) {
  SCOPEMIA_REFDATA(cases, "lidc/cases.csv");
  TempDir dir;
  for (const char* name : {"a.csv", "b.csv"})
    ASSERT_EQ(testing::run_binary({"embed", "--cases", cases, "--shard", "3/40", "-j", "2", "-o", dir.file(name)}).code, 0);
  EXPECT_EQ(testing::read_bytes(dir.file("a.csv")), testing::read_bytes(dir.file("b.csv")));
  ASSERT_EQ(testing::run_binary({"radiomics", "--batch", cases, "--shard", "3/40", "-o", dir.file("r.csv")}).code, 0);
  const io::CsvTable e = io::read_csv(dir.file("a.csv")), r = io::read_csv(dir.file("r.csv"));
  ASSERT_EQ(e.rows.size(), 15u);  // 601 cases: rows 3, 43, ..., 563
  ASSERT_EQ(e.rows.size(), r.rows.size());
  for (size_t i = 0; i < e.rows.size(); ++i) EXPECT_EQ(e.rows[i][e.column("ID")], r.rows[i][r.column("ID")]);
  EXPECT_GE(e.column("scope_T_0"), 0);
}

}  // namespace
}  // namespace scopemia::infer
