#include "collect/ndjson_import.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "collect/test_files.h"

namespace swell::collect {
namespace {

using testing::Gzip;
using testing::TempDir;
using testing::WriteBytes;
using testing::Zstd;

constexpr int64_t kNow = 1764000000000;

std::string EventLine(int i) {
  return R"({"event_type":"view","user_id":"user-)" + std::to_string(i) + R"(","time":)" +
         std::to_string(1700000000000 + i) + R"(,"event_properties":{"n":)" + std::to_string(i) + "}}";
}

class NdjsonImportTest : public ::testing::Test {
 protected:
  Status Import(const std::string& path) {
    events_.clear();
    batch_sizes_.clear();
    return ImportNdjson(
        path, kNow, options_,
        [this](std::vector<Event>&& batch) {
          batch_sizes_.push_back(batch.size());
          for (Event& e : batch) events_.push_back(std::move(e));
          return Status::OK();
        },
        &summary_);
  }

  TempDir dir_;
  ImportOptions options_;
  ImportSummary summary_;
  std::vector<Event> events_;
  std::vector<size_t> batch_sizes_;
};

TEST_F(NdjsonImportTest, PlainFileWithBlankLinesCrlfAndNoFinalNewline) {
  const std::string data = EventLine(1) + "\n\n" + EventLine(2) + "\r\n   \n" + EventLine(3) + "\n\t\n" + EventLine(4);
  WriteBytes(dir_.File("a.ndjson"), data);
  Status s = Import(dir_.File("a.ndjson"));
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(summary_.lines, 7u);
  EXPECT_EQ(summary_.events, 4u);
  EXPECT_EQ(summary_.rejected, 0u);
  ASSERT_EQ(events_.size(), 4u);
  for (int i = 0; i < 4; i++) {
    EXPECT_EQ(events_[i].user_id, "user-" + std::to_string(i + 1));
    EXPECT_EQ(events_[i].time_ms, 1700000000000 + i + 1);
    EXPECT_EQ(events_[i].arrival_ms, kNow);
    ASSERT_EQ(events_[i].event_properties.size(), 1u);
    EXPECT_EQ(events_[i].event_properties[0].value, PropertyValue::Int(i + 1));
  }
}

TEST_F(NdjsonImportTest, RejectedLinesAreCountedWithLineNumbersAndReasons) {
  const std::string data = EventLine(1) + "\n" +                            // 1 ok
                           R"({"event_type":"view","user_id":)" + "\n" +     // 2 malformed
                           R"({"user_id":"user-3"})" + "\n" +               // 3 missing event_type
                           "\n" +                                           // 4 blank
                           R"({"event_type":"v","user_id":"user-5","color":"red"})" + "\n" +  // 5 unknown key
                           R"({"event_type":"v","user_id":"abc"})" + "\n" +                 // 6 short id
                           R"({"event_type":"v","user_id":"user-7","time":"yesterday"})" + "\n" +  // 7 bad time
                           "[1,2]\n" +                                      // 8 not an object
                           EventLine(9) + "\n";                             // 9 ok
  WriteBytes(dir_.File("mixed.ndjson"), data);
  Status s = Import(dir_.File("mixed.ndjson"));
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(summary_.lines, 9u);
  EXPECT_EQ(summary_.events, 2u);
  EXPECT_EQ(summary_.rejected, 6u);
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].user_id, "user-1");
  EXPECT_EQ(events_[1].user_id, "user-9");
  ASSERT_EQ(summary_.first_rejections.size(), 6u);
  const std::vector<std::pair<uint64_t, std::string>> want = {
      {2, "invalid JSON: "},   {3, "event_type: missing"}, {5, "color: unknown field"},
      {6, "user_id: shorter than min_id_length"}, {7, "time: must be an integer"}, {8, "event: each event must be a JSON object"}};
  for (size_t i = 0; i < want.size(); i++) {
    EXPECT_EQ(summary_.first_rejections[i].line, want[i].first);
    EXPECT_EQ(summary_.first_rejections[i].reason.rfind(want[i].second, 0), 0u)
        << "line " << want[i].first << ": " << summary_.first_rejections[i].reason;
  }
}

TEST_F(NdjsonImportTest, OnlyTheFirstHundredRejectionsAreKeptButAllAreCounted) {
  std::string data;
  for (int i = 0; i < 250; i++) data += "{not json}\n";
  WriteBytes(dir_.File("bad.ndjson"), data);
  ASSERT_TRUE(Import(dir_.File("bad.ndjson")).ok());
  EXPECT_EQ(summary_.rejected, 250u);
  EXPECT_EQ(summary_.first_rejections.size(), 100u);
  EXPECT_EQ(summary_.first_rejections.back().line, 100u);
}

TEST_F(NdjsonImportTest, EventsArriveInBatches) {
  options_.batch_events = 3;
  std::string data;
  for (int i = 0; i < 10; i++) data += EventLine(i) + "\n";
  WriteBytes(dir_.File("b.ndjson"), data);
  ASSERT_TRUE(Import(dir_.File("b.ndjson")).ok());
  EXPECT_EQ(batch_sizes_, (std::vector<size_t>{3, 3, 3, 1}));
  ASSERT_EQ(events_.size(), 10u);
  for (int i = 0; i < 10; i++) EXPECT_EQ(events_[i].user_id, "user-" + std::to_string(i)) << "order is kept";
}

TEST_F(NdjsonImportTest, GzipAndZstdFilesImportLikePlain) {
  std::string data;
  for (int i = 0; i < 5000; i++) data += EventLine(i) + "\n";
  data += "oops\n";
  WriteBytes(dir_.File("p.ndjson"), data);
  // Two gzip members split mid-line: the member boundary is not a line boundary.
  const size_t half = data.size() / 2 + 17;
  WriteBytes(dir_.File("p.ndjson.gz"), Gzip(data.substr(0, half)) + Gzip(data.substr(half)));
  WriteBytes(dir_.File("p.ndjson.zst"), Zstd(data.substr(0, half)) + Zstd(data.substr(half)));
  ASSERT_TRUE(Import(dir_.File("p.ndjson")).ok());
  const std::vector<Event> plain = events_;
  ASSERT_EQ(plain.size(), 5000u);
  for (const char* name : {"p.ndjson.gz", "p.ndjson.zst"}) {
    Status s = Import(dir_.File(name));
    ASSERT_TRUE(s.ok()) << name << ": " << s.ToString();
    EXPECT_EQ(events_, plain) << name;
    EXPECT_EQ(summary_.rejected, 1u);
    ASSERT_EQ(summary_.first_rejections.size(), 1u);
    EXPECT_EQ(summary_.first_rejections[0].line, 5001u);
  }
}

TEST_F(NdjsonImportTest, TruncatedGzipIsAClearErrorAfterTheIntactLines) {
  std::string data;
  for (int i = 0; i < 20000; i++) data += EventLine(i) + "\n";
  const std::string gz = Gzip(data);
  WriteBytes(dir_.File("cut.ndjson.gz"), gz.substr(0, gz.size() * 2 / 3));
  Status s = Import(dir_.File("cut.ndjson.gz"));
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("truncated gzip"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("after line " + std::to_string(summary_.lines)), std::string::npos) << s.ToString();
  // Whole lines before the cut were imported, in order, and nothing after.
  EXPECT_GT(events_.size(), 1000u);
  EXPECT_LT(events_.size(), 20000u);
  EXPECT_EQ(summary_.events, events_.size());
  EXPECT_EQ(summary_.rejected, 0u) << "the partial last line is not reported as a bad event";
  for (size_t i = 0; i < events_.size(); i++) ASSERT_EQ(events_[i].user_id, "user-" + std::to_string(i));
}

TEST_F(NdjsonImportTest, LinesOverTheLimitAreRejectedAndSkipped) {
  options_.max_line_bytes = 64 << 10;
  // Exactly at the limit (padded with spaces) is accepted.
  std::string at = EventLine(2);
  at.append(options_.max_line_bytes - at.size(), ' ');
  const std::string huge_value(3 << 20, 'x');  // larger than the reader's buffers
  const std::string huge = R"({"event_type":"v","user_id":"user-4","event_properties":{"x":")" + huge_value + "\"}}";
  const std::string just_over = at + " ";
  const std::string data = EventLine(1) + "\n" + at + "\n" + just_over + "\n" + huge + "\n" + EventLine(5) + "\n" + huge;
  WriteBytes(dir_.File("long.ndjson"), data);
  Status s = Import(dir_.File("long.ndjson"));
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(summary_.lines, 6u);
  EXPECT_EQ(summary_.events, 3u);
  EXPECT_EQ(summary_.rejected, 3u);
  ASSERT_EQ(events_.size(), 3u);
  EXPECT_EQ(events_[0].user_id, "user-1");
  EXPECT_EQ(events_[1].user_id, "user-2");
  EXPECT_EQ(events_[2].user_id, "user-5");
  ASSERT_EQ(summary_.first_rejections.size(), 3u);
  EXPECT_EQ(summary_.first_rejections[0].line, 3u);
  EXPECT_EQ(summary_.first_rejections[1].line, 4u);
  EXPECT_EQ(summary_.first_rejections[2].line, 6u);
  for (const RejectedLine& r : summary_.first_rejections)
    EXPECT_EQ(r.reason, "line longer than 65536 bytes (max_line_bytes)");
}

TEST_F(NdjsonImportTest, LineNumbersAreExactAcrossChunksAndThreadCounts) {
  // Several MiB, so that lines are split into many chunks parsed in parallel.
  std::string data;
  std::vector<uint64_t> bad_lines;
  for (int i = 1; i <= 30000; i++) {
    if (i % 997 == 0) {
      data += "{\"event_type\":\"broken\"\n";
      bad_lines.push_back(i);
    } else if (i % 1409 == 0) {
      data += "\n";
    } else {
      data += EventLine(i) + R"(                                                                           )" "\n";
    }
  }
  WriteBytes(dir_.File("many.ndjson"), data);
  std::vector<Event> first;
  for (int threads : {0, 1, 3}) {
    options_.parse_threads = threads;
    Status s = Import(dir_.File("many.ndjson"));
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(summary_.lines, 30000u);
    EXPECT_EQ(summary_.rejected, bad_lines.size());
    ASSERT_EQ(summary_.first_rejections.size(), bad_lines.size());
    for (size_t i = 0; i < bad_lines.size(); i++) EXPECT_EQ(summary_.first_rejections[i].line, bad_lines[i]);
    EXPECT_EQ(events_.size(), 30000u - bad_lines.size() - 30000u / 1409 + 30000u / (997 * 1409));
    if (threads == 0) {
      first = events_;
    } else {
      EXPECT_EQ(events_, first) << "same events in the same order with " << threads << " threads";
    }
  }
}

TEST_F(NdjsonImportTest, SinkErrorStopsTheImport) {
  options_.batch_events = 2;
  std::string data;
  for (int i = 0; i < 10; i++) data += EventLine(i) + "\n";
  WriteBytes(dir_.File("s.ndjson"), data);
  int calls = 0;
  Status s = ImportNdjson(
      dir_.File("s.ndjson"), kNow, options_,
      [&](std::vector<Event>&&) {
        return ++calls == 2 ? Status::IOError("disk full") : Status::OK();
      },
      &summary_);
  EXPECT_TRUE(s.IsIOError());
  EXPECT_EQ(s.message(), "disk full");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(summary_.events, 2u) << "only the batch the sink accepted counts";
}

TEST_F(NdjsonImportTest, ProgressReachesTheFileSize) {
  std::string data;
  for (int i = 0; i < 100; i++) data += EventLine(i) + "\n";
  const std::string gz = Gzip(data);
  WriteBytes(dir_.File("g.ndjson.gz"), gz);
  uint64_t last_done = 0, last_total = 0;
  int calls = 0;
  options_.progress = [&](uint64_t done, uint64_t total) {
    EXPECT_GE(done, last_done);
    last_done = done;
    last_total = total;
    calls++;
  };
  ASSERT_TRUE(Import(dir_.File("g.ndjson.gz")).ok());
  EXPECT_GE(calls, 1);
  EXPECT_EQ(last_total, gz.size());
  EXPECT_EQ(last_done, gz.size());
}

TEST_F(NdjsonImportTest, MinIdLengthComesFromTheLimits) {
  options_.limits.default_min_id_length = 1;
  WriteBytes(dir_.File("ids.ndjson"), R"({"event_type":"v","device_id":"d"})" "\n");
  ASSERT_TRUE(Import(dir_.File("ids.ndjson")).ok());
  EXPECT_EQ(summary_.events, 1u);
}

TEST_F(NdjsonImportTest, MissingFileIsAnError) {
  Status s = Import(dir_.File("nope.ndjson"));
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("nope.ndjson"), std::string::npos);
}

}  // namespace
}  // namespace swell::collect
