#include "query/partition_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "lake/layout.h"
#include "lake/local_storage.h"
#include "lake/sets_file.h"
#include "query/query_test_util.h"

namespace swell::query {
namespace {

using testing::E;
using testing::kDay1;
using testing::kH;

class PartitionCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/swell_partition_cache_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_TRUE(lake::LocalStorage::Open(dir_ + "/lake", &store_).ok());
    // buy: 5000 users (an estimating sketch), open: 3 users.
    std::vector<Event> events;
    std::vector<uint32_t> users;
    auto ios = Property{"platform", PropertyValue::String("ios")};
    for (uint32_t i = 0; i < 5000; ++i) {
      events.push_back(E("buy", "u" + std::to_string(i), kDay1 + kH, {ios}));
      users.push_back(i);
    }
    for (uint32_t i = 0; i < 3; ++i) {
      events.push_back(E("open", "u" + std::to_string(i), kDay1 + 2 * kH));
      users.push_back(i);
    }
    rows_ = lake::BuildSetsRows(events, users);
    std::string local = dir_ + "/staged.parquet";
    uint64_t size = 0;
    ASSERT_TRUE(lake::WriteSetsFile(local, rows_, &size).ok());
    file_.kind = lake::FileKind::kSets;
    file_.app_id = "app";
    file_.date = "2026-10-01";
    ASSERT_TRUE(lake::SetsFileKey(file_.date, file_.app_id, lake::PartFileName(lake::NewPartId()), &file_.key).ok());
    ASSERT_TRUE(store_->PutFile(file_.key, local).ok());
    file_.size = size;
    file_.rows = rows_.size();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::unique_ptr<lake::LocalStorage> store_;
  std::vector<lake::SetsRow> rows_;
  lake::LakeFile file_;
};

TEST_F(PartitionCacheTest, SetsRowsWithAndWithoutSketchesAreCachedApart) {
  PartitionCache cache(store_.get(), 1 << 30);
  std::shared_ptr<const std::vector<lake::SetsRow>> plain, sketched;
  ASSERT_TRUE(cache.GetSetsRows(file_, "buy", &plain).ok());
  ASSERT_FALSE(plain->empty());
  for (const lake::SetsRow& r : *plain) {
    EXPECT_EQ(r.event_type, "buy");
    EXPECT_FALSE(r.sketch.has_value());
  }
  // The rows without sketches do not answer a request for sketches.
  Status st = cache.GetSetsRows(file_, "buy", lake::SetsReadOptions{.sketches = true}, &sketched);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(cache.stats().misses, 2u);
  EXPECT_EQ(cache.stats().files, 2u);
  ASSERT_EQ(sketched->size(), plain->size());
  uint64_t entries = 0;
  for (size_t i = 0; i < sketched->size(); ++i) {
    const lake::SetsRow& r = (*sketched)[i];
    ASSERT_TRUE(r.sketch.has_value());
    entries += r.sketch->NumRetained();
    EXPECT_EQ(r.users, (*plain)[i].users);
    // The sketch the seal wrote.
    auto it = std::find_if(rows_.begin(), rows_.end(), [&](const lake::SetsRow& w) {
      return w.event_type == r.event_type && w.scope == r.scope && w.property == r.property && w.value == r.value;
    });
    ASSERT_NE(it, rows_.end());
    EXPECT_EQ(r, *it);
  }
  // The all-users row of buy estimates: 4096 hashes of 5000 users.
  EXPECT_EQ((*sketched)[0].property, "");
  EXPECT_TRUE((*sketched)[0].sketch->IsEstimationMode());
  EXPECT_EQ((*sketched)[0].sketch->NumRetained(), 4096u);
  // Bytes: sketches count 8 bytes per entry on top of the rows.
  EXPECT_GE(SetsRowsMemoryBytes(*sketched), SetsRowsMemoryBytes(*plain) + 8 * entries);
  EXPECT_EQ(cache.stats().bytes, SetsRowsMemoryBytes(*plain) + SetsRowsMemoryBytes(*sketched));

  // Hits, each from its own copy.
  std::shared_ptr<const std::vector<lake::SetsRow>> again;
  ASSERT_TRUE(cache.GetSetsRows(file_, "buy", lake::SetsReadOptions{.sketches = true}, &again).ok());
  EXPECT_EQ(again.get(), sketched.get());
  ASSERT_TRUE(cache.GetSetsRows(file_, "buy", lake::SetsReadOptions{}, &again).ok());
  EXPECT_EQ(again.get(), plain.get());
  ASSERT_TRUE(cache.GetSetsRows(file_, "buy", &again).ok());
  EXPECT_EQ(again.get(), plain.get());
  EXPECT_EQ(cache.stats().hits, 3u);
  EXPECT_EQ(cache.stats().misses, 2u);

  // Another event is another entry.
  ASSERT_TRUE(cache.GetSetsRows(file_, "open", lake::SetsReadOptions{.sketches = true}, &again).ok());
  ASSERT_FALSE(again->empty());
  EXPECT_EQ((*again)[0].sketch->NumRetained(), 3u);
  EXPECT_FALSE((*again)[0].sketch->IsEstimationMode());
  EXPECT_EQ(cache.stats().files, 3u);
}

TEST_F(PartitionCacheTest, SketchBytesCountAgainstTheCapacity) {
  uint64_t plain_bytes = 0, sketched_bytes = 0;
  {
    PartitionCache probe(store_.get(), 1 << 30);
    std::shared_ptr<const std::vector<lake::SetsRow>> rows;
    ASSERT_TRUE(probe.GetSetsRows(file_, "buy", &rows).ok());
    plain_bytes = SetsRowsMemoryBytes(*rows);
    ASSERT_TRUE(probe.GetSetsRows(file_, "buy", lake::SetsReadOptions{.sketches = true}, &rows).ok());
    sketched_bytes = SetsRowsMemoryBytes(*rows);
  }
  ASSERT_GT(sketched_bytes, plain_bytes + 4096 * 8);
  // Room for the plain rows only: the sketched ones are served, not kept.
  PartitionCache cache(store_.get(), plain_bytes);
  std::shared_ptr<const std::vector<lake::SetsRow>> rows;
  ASSERT_TRUE(cache.GetSetsRows(file_, "buy", lake::SetsReadOptions{.sketches = true}, &rows).ok());
  EXPECT_TRUE((*rows)[0].sketch.has_value());
  EXPECT_EQ(cache.stats().files, 0u);
  ASSERT_TRUE(cache.GetSetsRows(file_, "buy", &rows).ok());
  EXPECT_EQ(cache.stats().files, 1u);
  EXPECT_EQ(cache.stats().bytes, plain_bytes);
}

}  // namespace
}  // namespace swell::query
