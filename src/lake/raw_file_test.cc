#include "lake/raw_file.h"

#include <gtest/gtest.h>

#include <zstd.h>

#include <memory>

#include "lake/event_json.h"
#include "lake/lake_test_util.h"
#include "lake/layout.h"
#include "lake/local_storage.h"
#include "util/file_util.h"

namespace swell::lake {
namespace {

class RawFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(LocalStorage::Open(dir_.path() + "/lake", &store_).ok());
    ASSERT_TRUE(RawFileKey("web", "2024-05-01", 7, RawPartFileName(NewPartId()), &key_).ok());
  }

  // Writes events through WriteRawFile and stores the file at key_.
  void Store(const std::vector<Event>& events) {
    std::string local = dir_.path() + "/staged.ndjson.zst";
    uint64_t size = 0;
    Status s = WriteRawFile(local, events, &size);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_FALSE(FileExists(local + ".inprogress"));
    std::string bytes;
    ASSERT_TRUE(ReadFileToString(local, &bytes).ok());
    EXPECT_EQ(bytes.size(), size);
    ASSERT_TRUE(store_->PutFile(key_, local).ok());
  }
  std::string StoredBytes() {
    std::string bytes;
    EXPECT_TRUE(store_->Get(key_, &bytes).ok());
    return bytes;
  }
  Status Read(std::vector<Event>* events) { return ReadRawFile(store_.get(), key_, events); }

  testing::ScratchDir dir_;
  std::unique_ptr<LocalStorage> store_;
  std::string key_;
};

std::vector<Event> MakeEvents(int n) {
  std::vector<Event> out;
  for (int i = 0; i < n; ++i) {
    Event e;
    e.event_type = i % 3 ? "view" : "Purchase ✓";
    e.user_id = i % 5 ? "user-" + std::to_string(i % 97) : "";
    e.device_id = "dev-" + std::to_string(i % 13);
    e.insert_id = "ins-" + std::to_string(i);
    e.time_ms = 1714521600000 + i * 1000;
    e.arrival_ms = e.time_ms + 17;
    e.session_id = i % 4 ? 1714521600000 : -1;
    e.fields.push_back({"platform", PropertyValue::String(i % 2 ? "iOS" : "Android")});
    e.event_properties.push_back({"price", PropertyValue::Double(i * 0.25)});
    e.event_properties.push_back({"n", PropertyValue::Int(i)});
    e.event_properties.push_back({"cart", PropertyValue::Json(R"({"items":[1,2,3]})")});
    e.user_properties.push_back({"tier", i % 7 ? PropertyValue::String("gold") : PropertyValue::Null()});
    out.push_back(std::move(e));
  }
  return out;
}

TEST_F(RawFileTest, RoundTrip) {
  // Enough text for several of the writer's chunks and the reader's ranges.
  std::vector<Event> events = MakeEvents(40000);
  Store(events);
  std::vector<Event> back = {Event()};  // appended to, not replaced
  Status s = Read(&back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(back.size(), events.size() + 1);
  back.erase(back.begin());
  EXPECT_TRUE(back == events);
}

TEST_F(RawFileTest, EmptyFile) {
  Store({});
  std::vector<Event> back;
  ASSERT_TRUE(Read(&back).ok());
  EXPECT_TRUE(back.empty());
}

TEST_F(RawFileTest, IsPlainZstdNdjson) {
  std::vector<Event> events = MakeEvents(3);
  Store(events);
  std::string bytes = StoredBytes();
  unsigned long long n = ZSTD_getFrameContentSize(bytes.data(), bytes.size());
  ASSERT_NE(n, ZSTD_CONTENTSIZE_ERROR);
  std::string text(1 << 16, '\0');
  size_t got = ZSTD_decompress(text.data(), text.size(), bytes.data(), bytes.size());
  ASSERT_FALSE(ZSTD_isError(got));
  text.resize(got);
  std::string want;
  for (const Event& e : events) {
    AppendEventJson(e, &want);
    want += '\n';
  }
  EXPECT_EQ(text, want);
}

TEST_F(RawFileTest, TruncatedOrDamagedStreamIsCorruption) {
  Store(MakeEvents(2000));
  const std::string bytes = StoredBytes();
  for (size_t cut : {size_t{1}, size_t{5}, bytes.size() / 2, bytes.size() - 4, bytes.size() - 1}) {
    ASSERT_TRUE(store_->Put(key_, bytes.substr(0, cut)).ok());
    std::vector<Event> back;
    Status s = Read(&back);
    EXPECT_TRUE(s.IsCorruption()) << cut << ": " << s.ToString();
    EXPECT_NE(s.message().find(key_), std::string::npos) << s.ToString();
    EXPECT_TRUE(back.empty());
  }
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x20;
  ASSERT_TRUE(store_->Put(key_, flipped).ok());
  std::vector<Event> back;
  EXPECT_TRUE(Read(&back).IsCorruption());
  ASSERT_TRUE(store_->Put(key_, "").ok());
  EXPECT_TRUE(Read(&back).IsCorruption());
  ASSERT_TRUE(store_->Put(key_, "not zstd at all").ok());
  EXPECT_TRUE(Read(&back).IsCorruption());
}

std::string Zstd(std::string_view text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 1);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

TEST_F(RawFileTest, BadLineIsCorruptionWithItsNumber) {
  std::string good;
  AppendEventJson(MakeEvents(1)[0], &good);
  ASSERT_TRUE(store_->Put(key_, Zstd(good + "\n" + good + "\n{\"event_type\":5}\n" + good + "\n")).ok());
  std::vector<Event> back;
  Status s = Read(&back);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("line 3"), std::string::npos) << s.ToString();
  EXPECT_TRUE(back.empty());
}

TEST_F(RawFileTest, ToleratesBlankLinesAndAMissingFinalNewline) {
  std::vector<Event> events = MakeEvents(2);
  std::string a, b;
  AppendEventJson(events[0], &a);
  AppendEventJson(events[1], &b);
  // Two frames, as `cat x.zst y.zst` makes.
  ASSERT_TRUE(store_->Put(key_, Zstd(a + "\n\n") + Zstd(b)).ok());
  std::vector<Event> back;
  Status s = Read(&back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(back == events);
}

TEST_F(RawFileTest, OverlongLineIsCorruption) {
  std::string line(kMaxRawLineBytes + 1, 'x');
  ASSERT_TRUE(store_->Put(key_, Zstd(line)).ok());
  std::vector<Event> back;
  Status s = Read(&back);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("line 1"), std::string::npos) << s.ToString();
}

TEST_F(RawFileTest, MissingObjectIsNotFound) {
  std::vector<Event> back;
  EXPECT_TRUE(Read(&back).IsNotFound());
}

}  // namespace
}  // namespace swell::lake
