#include "speed/user_dictionary.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "util/file_util.h"

namespace swell::speed {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/swell_user_dict_XXXXXX";
  char* d = mkdtemp(tmpl);
  EXPECT_NE(d, nullptr);
  return d;
}

TEST(UserDictionaryTest, AssignsDenseNumbersAndReloadsThem) {
  std::string path = TempDir() + "/users.dict";
  {
    std::unique_ptr<UserDictionary> dict;
    ASSERT_TRUE(UserDictionary::Open(path, &dict).ok());
    EXPECT_EQ(dict->GetOrAdd("u:alice"), 0u);
    EXPECT_EQ(dict->GetOrAdd("d:device-1"), 1u);
    EXPECT_EQ(dict->GetOrAdd("u:alice"), 0u);
    EXPECT_EQ(dict->GetOrAdd("u:\xF0\x9F\x98\x80 \xE5\xAD\x97"), 2u);
    ASSERT_TRUE(dict->Sync().ok());
  }
  std::unique_ptr<UserDictionary> dict;
  ASSERT_TRUE(UserDictionary::Open(path, &dict).ok());
  EXPECT_EQ(dict->size(), 3u);
  EXPECT_EQ(dict->truncated_bytes(), 0u);
  EXPECT_EQ(dict->Find("d:device-1"), 1u);
  EXPECT_EQ(dict->KeyOf(2), "u:\xF0\x9F\x98\x80 \xE5\xAD\x97");
  EXPECT_EQ(dict->Find("u:bob"), Interner::kMissing);
  EXPECT_EQ(dict->GetOrAdd("u:bob"), 3u);
}

TEST(UserDictionaryTest, FileLayoutIsMagicThenChecksummedRecords) {
  std::string path = TempDir() + "/users.dict";
  {
    std::unique_ptr<UserDictionary> dict;
    ASSERT_TRUE(UserDictionary::Open(path, &dict).ok());
    dict->GetOrAdd("u:a");
    ASSERT_TRUE(dict->Flush().ok());
  }
  std::string contents;
  ASSERT_TRUE(ReadFileToString(path, &contents).ok());
  // 8 magic bytes, 4 crc, 4 length, 3 key bytes.
  ASSERT_EQ(contents.size(), 8u + 4 + 4 + 3);
  EXPECT_EQ(contents.substr(0, 8), "SWUDICT1");
  EXPECT_EQ(contents.substr(12, 4), std::string("\x03\x00\x00\x00", 4));
  EXPECT_EQ(contents.substr(16), "u:a");
}

TEST(UserDictionaryTest, TornTailIsCutAndAppendsContinueAfterIt) {
  std::string path = TempDir() + "/users.dict";
  std::string good(UserDictionary::kMagic);
  AppendUserRecord(&good, "u:one");
  AppendUserRecord(&good, "u:two");
  std::string third;
  AppendUserRecord(&third, "u:three");
  // Every strict prefix of the third record is a torn write.
  for (size_t cut = 1; cut < third.size(); ++cut) {
    ASSERT_TRUE(WriteFileAtomic(path, good + third.substr(0, cut)).ok());
    std::unique_ptr<UserDictionary> dict;
    ASSERT_TRUE(UserDictionary::Open(path, &dict).ok()) << cut;
    EXPECT_EQ(dict->size(), 2u) << cut;
    EXPECT_EQ(dict->truncated_bytes(), cut);
  }
  {
    std::unique_ptr<UserDictionary> dict;
    ASSERT_TRUE(UserDictionary::Open(path, &dict).ok());
    EXPECT_EQ(dict->GetOrAdd("u:three"), 2u);
    ASSERT_TRUE(dict->Sync().ok());
  }
  std::unique_ptr<UserDictionary> dict;
  ASSERT_TRUE(UserDictionary::Open(path, &dict).ok());
  EXPECT_EQ(dict->truncated_bytes(), 0u);
  EXPECT_EQ(dict->size(), 3u);
  EXPECT_EQ(dict->Find("u:three"), 2u);
}

TEST(UserDictionaryTest, FlippedByteEndsTheGoodPrefix) {
  std::string path = TempDir() + "/users.dict";
  std::string data(UserDictionary::kMagic);
  AppendUserRecord(&data, "u:one");
  size_t second = data.size();
  AppendUserRecord(&data, "u:two");
  data[second + 9] ^= 0x20;  // inside the key of the second record
  ASSERT_TRUE(WriteFileAtomic(path, data).ok());
  std::unique_ptr<UserDictionary> dict;
  ASSERT_TRUE(UserDictionary::Open(path, &dict).ok());
  EXPECT_EQ(dict->size(), 1u);
  EXPECT_EQ(dict->truncated_bytes(), data.size() - second);
}

TEST(UserDictionaryTest, TornHeaderStartsEmptyAndWrongMagicIsCorruption) {
  std::string dir = TempDir();
  ASSERT_TRUE(WriteFileAtomic(dir + "/a.dict", "SWU").ok());
  std::unique_ptr<UserDictionary> dict;
  ASSERT_TRUE(UserDictionary::Open(dir + "/a.dict", &dict).ok());
  EXPECT_EQ(dict->size(), 0u);
  EXPECT_EQ(dict->GetOrAdd("u:x"), 0u);
  ASSERT_TRUE(dict->Sync().ok());
  dict.reset();
  ASSERT_TRUE(UserDictionary::Open(dir + "/a.dict", &dict).ok());
  EXPECT_EQ(dict->Find("u:x"), 0u);

  ASSERT_TRUE(WriteFileAtomic(dir + "/b.dict", "NOTADICTIONARY").ok());
  EXPECT_TRUE(UserDictionary::Open(dir + "/b.dict", &dict).IsCorruption());
}

TEST(UserDictionaryTest, MemoryOnlyWhenPathEmpty) {
  std::unique_ptr<UserDictionary> dict;
  ASSERT_TRUE(UserDictionary::Open("", &dict).ok());
  EXPECT_EQ(dict->GetOrAdd("u:a"), 0u);
  EXPECT_TRUE(dict->Sync().ok());
}

}  // namespace
}  // namespace swell::speed
