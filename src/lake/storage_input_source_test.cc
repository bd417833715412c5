#include "lake/storage_input_source.h"

#include <gtest/gtest.h>

#include <atomic>

#include "lake/event_file_reader.h"
#include "lake/event_file_writer.h"
#include "lake/lake_test_util.h"
#include "lake/local_storage.h"

namespace swell::lake {
namespace {

// Counts what is read through it; whole-object reads are what the source
// must not do.
class CountingStorage : public Storage {
 public:
  explicit CountingStorage(Storage* base) : base_(base) {}
  Status Put(std::string_view key, std::string_view bytes) override { return base_->Put(key, bytes); }
  Status PutIfAbsent(std::string_view key, std::string_view bytes, bool* created) override {
    return base_->PutIfAbsent(key, bytes, created);
  }
  Status PutFile(std::string_view key, const std::string& local_path) override {
    return base_->PutFile(key, local_path);
  }
  Status Get(std::string_view key, std::string* bytes) override {
    ++gets;
    return base_->Get(key, bytes);
  }
  Status GetRange(std::string_view key, uint64_t offset, uint64_t length, std::string* bytes) override {
    ++ranges;
    Status s = base_->GetRange(key, offset, length, bytes);
    if (s.ok()) bytes_read += bytes->size();
    return s;
  }
  Status Size(std::string_view key, uint64_t* size) override { return base_->Size(key, size); }
  Status ListObjects(std::string_view prefix, std::vector<ObjectInfo>* objects) override {
    return base_->ListObjects(prefix, objects);
  }
  Status Delete(std::string_view key) override { return base_->Delete(key); }

  int gets = 0;
  int ranges = 0;
  uint64_t bytes_read = 0;

 private:
  Storage* base_;
};

class StorageInputSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(LocalStorage::Open(dir_.path() + "/lake", &local_).ok());
    store_ = std::make_unique<CountingStorage>(local_.get());
  }
  testing::ScratchDir dir_;
  std::unique_ptr<LocalStorage> local_;
  std::unique_ptr<CountingStorage> store_;
};

TEST_F(StorageInputSourceTest, ReadsRangesAndCachesTheTail) {
  std::string bytes;
  for (int i = 0; i < 200000; ++i) bytes += static_cast<char>('a' + i % 26);
  ASSERT_TRUE(store_->Put("obj", bytes).ok());
  std::unique_ptr<parquet::InputSource> src;
  ASSERT_TRUE(StorageInputSource::Open(store_.get(), "obj", &src).ok());
  EXPECT_EQ(src->size(), bytes.size());

  std::string out;
  ASSERT_TRUE(src->ReadAt(10, 5, &out).ok());
  EXPECT_EQ(out, bytes.substr(10, 5));
  EXPECT_EQ(store_->ranges, 1);
  // Reads near the end (where the Parquet footer is) cost one request in all.
  ASSERT_TRUE(src->ReadAt(bytes.size() - 8, 8, &out).ok());
  EXPECT_EQ(out, bytes.substr(bytes.size() - 8));
  ASSERT_TRUE(src->ReadAt(bytes.size() - 1000, 992, &out).ok());
  EXPECT_EQ(out, bytes.substr(bytes.size() - 1000, 992));
  EXPECT_EQ(store_->ranges, 2);
  EXPECT_EQ(store_->bytes_read, 5 + StorageInputSource::kTailBytes);
  // A range straddling the start of the tail is read directly.
  uint64_t tail_start = bytes.size() - StorageInputSource::kTailBytes;
  ASSERT_TRUE(src->ReadAt(tail_start - 3, 10, &out).ok());
  EXPECT_EQ(out, bytes.substr(tail_start - 3, 10));

  ASSERT_TRUE(src->ReadAt(bytes.size(), 0, &out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(src->ReadAt(bytes.size() - 2, 3, &out).IsInvalidArgument());
  EXPECT_EQ(store_->gets, 0);
}

TEST_F(StorageInputSourceTest, SmallObjectsAndMissingOnes) {
  ASSERT_TRUE(store_->Put("small", "0123456789").ok());
  std::unique_ptr<parquet::InputSource> src;
  ASSERT_TRUE(StorageInputSource::Open(store_.get(), "small", &src).ok());
  std::string out;
  ASSERT_TRUE(src->ReadAt(0, 4, &out).ok());
  EXPECT_EQ(out, "0123");
  ASSERT_TRUE(src->ReadAt(6, 4, &out).ok());
  EXPECT_EQ(out, "6789");
  EXPECT_EQ(store_->ranges, 1);  // the whole (tiny) object is the tail
  EXPECT_TRUE(StorageInputSource::Open(store_.get(), "missing", &src).IsNotFound());
}

TEST_F(StorageInputSourceTest, AShrunkObjectIsAnError) {
  ASSERT_TRUE(store_->Put("obj", std::string(100000, 'x')).ok());
  std::unique_ptr<parquet::InputSource> src;
  ASSERT_TRUE(StorageInputSource::Open(store_.get(), "obj", &src).ok());
  ASSERT_TRUE(store_->Put("obj", std::string(10, 'x')).ok());  // never done in a lake; must not crash
  std::string out;
  EXPECT_FALSE(src->ReadAt(5, 100, &out).ok());
  EXPECT_FALSE(src->ReadAt(99990, 10, &out).ok());
}

// Reading an events file fetches the footer and the columns it needs, not
// the whole object: here a promoted column holding most of the bytes is
// never read.
TEST_F(StorageInputSourceTest, EventFileReaderReadsOnlyWhatItNeeds) {
  EventsSchema schema;
  ASSERT_TRUE(
      EventsSchema::Make({{PromotedColumn::Source::kEventProperty, "blob", PromotedColumn::Type::kString}}, &schema)
          .ok());
  std::vector<Event> events;
  std::vector<uint32_t> numbers;
  for (int i = 0; i < 50; ++i) {
    Event ev;
    ev.event_type = "e";
    ev.user_id = "u" + std::to_string(100 + i);
    // Incompressible, so zstd cannot shrink the promoted copy.
    std::string blob;
    uint64_t x = 88172645463325252ull + static_cast<uint64_t>(i);
    for (int k = 0; k < 20000; ++k) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      blob += static_cast<char>('!' + x % 90);
    }
    ev.event_properties = {{"blob", PropertyValue::Json("\"" + std::string(16, 'b') + "\"")},
                           {"blob2", PropertyValue::String("short")}};
    ev.event_properties[0].value = PropertyValue::String(blob);
    events.push_back(ev);
    numbers.push_back(static_cast<uint32_t>(i));
  }
  std::string staged = dir_.path() + "/e.parquet";
  EventFileInfo info;
  ASSERT_TRUE(WriteEventFile(staged, schema, events, numbers, {}, &info).ok());
  ASSERT_TRUE(store_->PutFile("events/e.parquet", staged).ok());

  std::vector<Event> got;
  std::vector<uint32_t> got_numbers;
  Status s = ReadEventFile(store_.get(), "events/e.parquet", &got, &got_numbers);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(got.size(), 50u);
  EXPECT_EQ(got_numbers, numbers);
  EXPECT_EQ(got[3].event_properties[0].value.s.size(), 20000u);
  EXPECT_EQ(store_->gets, 0);
  // The JSON copy is read, the promoted copy (about half the file) is not.
  EXPECT_LT(store_->bytes_read, info.size * 3 / 4) << store_->bytes_read << " of " << info.size;
}

}  // namespace
}  // namespace swell::lake
