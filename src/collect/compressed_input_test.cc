#include "collect/compressed_input.h"

#include <gtest/gtest.h>

#include <string>

#include "collect/test_files.h"

namespace swell::collect {
namespace {

using testing::Gzip;
using testing::TempDir;
using testing::WriteBytes;
using testing::Zstd;

// A few hundred KB of varied text, larger than the reader's buffers.
std::string Sample() {
  std::string s;
  for (int i = 0; i < 20000; i++) s += "line " + std::to_string(i * 7919) + " ünïcødé 🎉\n";
  return s;
}

Status ReadAll(const std::string& path, std::string* out, CompressedInput::Format* format = nullptr) {
  std::unique_ptr<CompressedInput> in;
  SWELL_RETURN_IF_ERROR(CompressedInput::Open(path, &in));
  if (format != nullptr) *format = in->format();
  out->clear();
  char buf[4096];  // smaller than any member or frame: exercises resumption
  for (;;) {
    size_t got = 0;
    SWELL_RETURN_IF_ERROR(in->Read(buf, sizeof buf, &got));
    if (got == 0) break;
    out->append(buf, got);
  }
  EXPECT_EQ(in->file_bytes_read(), in->file_size());
  return Status::OK();
}

TEST(CompressedInputTest, PlainFile) {
  TempDir dir;
  const std::string data = Sample();
  WriteBytes(dir.File("a.ndjson"), data);
  std::string got;
  CompressedInput::Format f;
  ASSERT_TRUE(ReadAll(dir.File("a.ndjson"), &got, &f).ok());
  EXPECT_EQ(f, CompressedInput::Format::kPlain);
  EXPECT_EQ(got, data);
}

TEST(CompressedInputTest, EmptyAndTinyFiles) {
  TempDir dir;
  WriteBytes(dir.File("empty"), "");
  WriteBytes(dir.File("one"), "x");
  std::string got;
  ASSERT_TRUE(ReadAll(dir.File("empty"), &got).ok());
  EXPECT_EQ(got, "");
  ASSERT_TRUE(ReadAll(dir.File("one"), &got).ok());
  EXPECT_EQ(got, "x");
}

TEST(CompressedInputTest, GzipWithSeveralMembers) {
  TempDir dir;
  const std::string a = Sample(), b = "second member\n", c = "third\n";
  WriteBytes(dir.File("a.ndjson.gz"), Gzip(a) + Gzip(b) + Gzip(c, 1));
  std::string got;
  CompressedInput::Format f;
  Status s = ReadAll(dir.File("a.ndjson.gz"), &got, &f);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(f, CompressedInput::Format::kGzip);
  EXPECT_EQ(got, a + b + c);
}

TEST(CompressedInputTest, ZstdWithSeveralFrames) {
  TempDir dir;
  const std::string a = Sample(), b = "second frame\n";
  WriteBytes(dir.File("a.ndjson.zst"), Zstd(a) + Zstd(b, 19));
  std::string got;
  CompressedInput::Format f;
  Status s = ReadAll(dir.File("a.ndjson.zst"), &got, &f);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(f, CompressedInput::Format::kZstd);
  EXPECT_EQ(got, a + b);
}

TEST(CompressedInputTest, FormatComesFromMagicBytesWhateverTheName) {
  TempDir dir;
  WriteBytes(dir.File("data.json"), Gzip("gz\n"));
  WriteBytes(dir.File("data"), Zstd("zst\n"));
  std::string got;
  CompressedInput::Format f;
  ASSERT_TRUE(ReadAll(dir.File("data.json"), &got, &f).ok());
  EXPECT_EQ(f, CompressedInput::Format::kGzip);
  EXPECT_EQ(got, "gz\n");
  ASSERT_TRUE(ReadAll(dir.File("data"), &got, &f).ok());
  EXPECT_EQ(f, CompressedInput::Format::kZstd);
  EXPECT_EQ(got, "zst\n");
}

TEST(CompressedInputTest, CompressedNameWithOtherContentIsRefused) {
  TempDir dir;
  WriteBytes(dir.File("plain.gz"), "{\"event_type\":\"x\"}\n");
  WriteBytes(dir.File("gzip.zst"), Gzip("x"));
  std::unique_ptr<CompressedInput> in;
  Status s = CompressedInput::Open(dir.File("plain.gz"), &in);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("gzip magic"), std::string::npos) << s.ToString();
  s = CompressedInput::Open(dir.File("gzip.zst"), &in);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("zstd magic"), std::string::npos) << s.ToString();
}

TEST(CompressedInputTest, TruncatedGzipIsCorruption) {
  TempDir dir;
  const std::string data = Sample();
  const std::string gz = Gzip(data);
  for (size_t cut : {gz.size() - 4, gz.size() / 2, size_t{12}}) {
    WriteBytes(dir.File("cut.gz"), gz.substr(0, cut));
    std::string got;
    Status s = ReadAll(dir.File("cut.gz"), &got);
    EXPECT_TRUE(s.IsCorruption()) << cut << ": " << s.ToString();
    EXPECT_NE(s.message().find("truncated gzip"), std::string::npos) << s.ToString();
    EXPECT_EQ(got, data.substr(0, got.size())) << "bytes before the cut are intact";
  }
}

TEST(CompressedInputTest, CorruptGzipIsCorruption) {
  TempDir dir;
  std::string gz = Gzip(Sample());
  gz[gz.size() - 6] ^= 0x55;  // inside the CRC32 trailer
  WriteBytes(dir.File("bad.gz"), gz);
  std::string got;
  Status s = ReadAll(dir.File("bad.gz"), &got);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("corrupt gzip"), std::string::npos) << s.ToString();
  // Garbage after a complete member is not silently ignored either.
  WriteBytes(dir.File("tail.gz"), Gzip("ok\n") + "garbage");
  s = ReadAll(dir.File("tail.gz"), &got);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST(CompressedInputTest, TruncatedZstdIsCorruption) {
  TempDir dir;
  const std::string zst = Zstd(Sample());
  WriteBytes(dir.File("cut.zst"), zst.substr(0, zst.size() / 2));
  std::string got;
  Status s = ReadAll(dir.File("cut.zst"), &got);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("truncated zstd"), std::string::npos) << s.ToString();
}

TEST(CompressedInputTest, MissingFileIsAnIOError) {
  std::unique_ptr<CompressedInput> in;
  Status s = CompressedInput::Open("/nonexistent/dir/events.ndjson", &in);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
}

TEST(CompressedInputTest, FilesFromTheCommandLineTools) {
  TempDir dir;
  const std::string data = Sample();
  WriteBytes(dir.File("cli.ndjson"), data);
  bool ran = false;
  std::string got;
  if (testing::HaveCommand("gzip")) {
    ASSERT_EQ(std::system(("gzip -k -9 " + dir.File("cli.ndjson")).c_str()), 0);
    ASSERT_TRUE(ReadAll(dir.File("cli.ndjson.gz"), &got).ok());
    EXPECT_EQ(got, data);
    ran = true;
  }
  if (testing::HaveCommand("zstd")) {
    ASSERT_EQ(std::system(("zstd -q -k " + dir.File("cli.ndjson")).c_str()), 0);
    ASSERT_TRUE(ReadAll(dir.File("cli.ndjson.zst"), &got).ok());
    EXPECT_EQ(got, data);
    ran = true;
  }
  if (!ran) GTEST_SKIP() << "neither gzip nor zstd is installed";
}

}  // namespace
}  // namespace swell::collect
