#include "speed/user_dictionary.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <cstdlib>
#include <string>
#include <vector>

#include "sketch/theta_hash.h"
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

// A write cut short by a full disk (here: the file size limit, which makes
// write() store what fits, then fail with EFBIG, as ENOSPC does) leaves no
// torn record behind: the retry after space returns writes every pending
// record from where the good ones end, and a reopen finds them all.
TEST(UserDictionaryTest, FlushCutShortByAFullDiskIsWrittenAgainWhole) {
  std::string path = TempDir() + "/users.dict";
  std::vector<std::string> keys;
  for (int i = 0; i < 2000; ++i) keys.push_back("u:user-" + std::to_string(i) + std::string(40, 'x'));
  {
    std::unique_ptr<UserDictionary> dict;
    ASSERT_TRUE(UserDictionary::Open(path, &dict).ok());
    for (int i = 0; i < 100; ++i) dict->GetOrAdd(keys[i]);
    ASSERT_TRUE(dict->Flush().ok());
    for (int i = 100; i < 2000; ++i) dict->GetOrAdd(keys[i]);

    rlimit old{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
    auto previous = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old;
    small.rlim_cur = 32 * 1024;  // room for part of the pending records
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    Status full = dict->Flush();
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
    std::signal(SIGXFSZ, previous);
    ASSERT_FALSE(full.ok());

    ASSERT_TRUE(dict->Sync().ok()) << "space is back";
  }
  std::unique_ptr<UserDictionary> dict;
  ASSERT_TRUE(UserDictionary::Open(path, &dict).ok());
  EXPECT_EQ(dict->truncated_bytes(), 0u);
  ASSERT_EQ(dict->size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(dict->Find(keys[i]), i) << keys[i];
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

uint64_t IdHash(std::string_view id) { return ThetaHashBytes(id.data(), id.size(), 9001); }

TEST(UserDictionaryTest, ItemHashIsTheThetaHashOfTheIdAndSurvivesReopen) {
  std::string path = TempDir() + "/users.dict";
  const std::string utf8 = "\xF0\x9F\x98\x80 \xE5\xAD\x97";
  {
    std::unique_ptr<UserDictionary> dict;
    ASSERT_TRUE(UserDictionary::Open(path, &dict).ok());
    const uint64_t before = dict->MemoryBytes();
    EXPECT_EQ(dict->GetOrAdd("u:alice"), 0u);
    EXPECT_EQ(dict->GetOrAdd("d:device-1"), 1u);
    EXPECT_EQ(dict->GetOrAdd("d:"), 2u);  // no user id, no device id: no item
    EXPECT_EQ(dict->GetOrAdd("u:" + utf8), 3u);
    EXPECT_EQ(dict->GetOrAdd("u:d:x"), 4u);  // only the first prefix goes
    EXPECT_GE(dict->MemoryBytes(), before + 5 * sizeof(uint64_t));
    EXPECT_EQ(dict->ItemHash(0), IdHash("alice"));
    EXPECT_EQ(dict->ItemHash(1), IdHash("device-1"));
    EXPECT_EQ(dict->ItemHash(2), 0u);
    EXPECT_EQ(dict->ItemHash(3), IdHash(utf8));
    EXPECT_EQ(dict->ItemHash(4), IdHash("d:x"));
    // A user id and a device id that are the same string are the same item.
    EXPECT_EQ(UserDictionary::ItemHashOfKey("u:same"), UserDictionary::ItemHashOfKey("d:same"));
    EXPECT_NE(dict->ItemHash(0), dict->ItemHash(1));
    EXPECT_LT(dict->ItemHash(0), uint64_t{1} << 63);
    ASSERT_TRUE(dict->Sync().ok());
  }
  std::unique_ptr<UserDictionary> dict;
  ASSERT_TRUE(UserDictionary::Open(path, &dict).ok());
  ASSERT_EQ(dict->size(), 5u);
  EXPECT_EQ(dict->ItemHash(0), IdHash("alice"));
  EXPECT_EQ(dict->ItemHash(1), IdHash("device-1"));
  EXPECT_EQ(dict->ItemHash(2), 0u);
  EXPECT_EQ(dict->ItemHash(3), IdHash(utf8));
  EXPECT_EQ(dict->ItemHash(4), IdHash("d:x"));
  // Keys added after the reload get theirs too.
  EXPECT_EQ(dict->GetOrAdd("u:bob"), 5u);
  EXPECT_EQ(dict->ItemHash(5), IdHash("bob"));
  EXPECT_EQ(dict->ItemHash(0), IdHash("alice"));
}

TEST(UserDictionaryTest, ItemHashAfterATornTail) {
  std::string path = TempDir() + "/users.dict";
  {
    std::unique_ptr<UserDictionary> dict;
    ASSERT_TRUE(UserDictionary::Open(path, &dict).ok());
    dict->GetOrAdd("u:a");
    dict->GetOrAdd("u:b");
    ASSERT_TRUE(dict->Sync().ok());
  }
  std::string contents;
  ASSERT_TRUE(ReadFileToString(path, &contents).ok());
  ASSERT_TRUE(WriteFileAtomic(path, contents.substr(0, contents.size() - 1)).ok());
  std::unique_ptr<UserDictionary> dict;
  ASSERT_TRUE(UserDictionary::Open(path, &dict).ok());
  ASSERT_EQ(dict->size(), 1u);
  // The lost record comes back (as the log replay re-adds it) with its hash.
  EXPECT_EQ(dict->GetOrAdd("u:c"), 1u);
  EXPECT_EQ(dict->ItemHash(0), IdHash("a"));
  EXPECT_EQ(dict->ItemHash(1), IdHash("c"));
}

}  // namespace
}  // namespace swell::speed
