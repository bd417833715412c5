#include "lake/layout.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <set>

#include "lake/storage.h"

namespace swell::lake {
namespace {

TEST(EscapePartitionValue, HiveCharacterSet) {
  // Every character Hive's FileUtils.escapePathName escapes, and nothing else.
  const std::string escaped_by_hive = "\"#%'*/:=?\\{[]^\x7f";
  for (int c = 0; c < 128; ++c) {
    std::string v(1, static_cast<char>(c));
    bool expect = c < 0x20 || escaped_by_hive.find(static_cast<char>(c)) != std::string::npos;
    char hex[4];
    std::snprintf(hex, sizeof hex, "%%%02X", c);
    EXPECT_EQ(EscapePartitionValue(v), expect ? std::string(hex) : v) << "char " << c;
  }
  EXPECT_EQ(EscapePartitionValue("a/b"), "a%2Fb");
  EXPECT_EQ(EscapePartitionValue("100%"), "100%25");
  EXPECT_EQ(EscapePartitionValue("k=v"), "k%3Dv");
  EXPECT_EQ(EscapePartitionValue("C:\\x"), "C%3A%5Cx");
  EXPECT_EQ(EscapePartitionValue("new\nline"), "new%0Aline");
  EXPECT_EQ(EscapePartitionValue("a b-c_d.e~f,g;h@i&j+k!l(m)n$o<p>q|r}s`t"),
            "a b-c_d.e~f,g;h@i&j+k!l(m)n$o<p>q|r}s`t");  // Hive keeps these (Windows aside)
  EXPECT_EQ(EscapePartitionValue(""), "");
}

TEST(EscapePartitionValue, UnicodeIsKeptInvalidBytesAreEscaped) {
  EXPECT_EQ(EscapePartitionValue("café"), "café");
  EXPECT_EQ(EscapePartitionValue("日本/語"), "日本%2F語");
  EXPECT_EQ(EscapePartitionValue("🚀"), "🚀");
  EXPECT_EQ(EscapePartitionValue("\xff"), "%FF");
  EXPECT_EQ(EscapePartitionValue("a\xc3"), "a%C3");              // truncated sequence
  EXPECT_EQ(EscapePartitionValue("\xc0\xaf"), "%C0%AF");          // overlong '/'
  EXPECT_EQ(EscapePartitionValue("\xed\xa0\x80"), "%ED%A0%80");   // a surrogate
}

TEST(UnescapePartitionValue, InverseAndLenientLikeHive) {
  EXPECT_EQ(UnescapePartitionValue("a%2Fb"), "a/b");
  EXPECT_EQ(UnescapePartitionValue("a%2fb"), "a/b");  // either case of hex
  EXPECT_EQ(UnescapePartitionValue("100%"), "100%");  // a lone '%' stays
  EXPECT_EQ(UnescapePartitionValue("%zz%2"), "%zz%2");
  EXPECT_EQ(UnescapePartitionValue("%25%32%46"), "%2F");  // one pass only
}

TEST(EscapePartitionValue, RoundTripsArbitraryBytes) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string v(rng() % 12, '\0');
    for (char& c : v) c = static_cast<char>(rng() % 4 == 0 ? "%/.=\\:"[rng() % 6] : rng() % 256);
    std::string e = EscapePartitionValue(v);
    ASSERT_EQ(UnescapePartitionValue(e), v);
    ASSERT_EQ(e.find('/'), std::string::npos);
    ASSERT_EQ(e.find('\\'), std::string::npos);
    ASSERT_EQ(e.find('\0'), std::string::npos);
  }
}

TEST(LakeKeys, PathLikeValuesStayInTheirDirectory) {
  const std::string apps[] = {"../../etc", "a/b", "=", "..", ".", "/abs", "x\\y", "app_id=evil/date=2000-01-01",
                              "日本", std::string("nul\0byte", 8), "%2F", " ", "\x01"};
  std::set<std::string> keys;
  for (const std::string& app : apps) {
    SCOPED_TRACE(app);
    std::string key;
    ASSERT_TRUE(EventsFileKey("2024-05-01", app, "part-1.parquet", &key).ok());
    EXPECT_TRUE(ValidateKey(key).ok()) << key;
    // Exactly four segments, the app's being one of them.
    EXPECT_EQ(std::count(key.begin(), key.end(), '/'), 3) << key;
    EXPECT_TRUE(key.starts_with("events/date=2024-05-01/app_id=")) << key;
    EXPECT_TRUE(key.ends_with("/part-1.parquet")) << key;
    LakeKey parsed;
    ASSERT_TRUE(ParseLakeKey(key, &parsed)) << key;
    EXPECT_EQ(parsed.kind, FileKind::kEvents);
    EXPECT_EQ(parsed.app_id, app);
    EXPECT_EQ(parsed.date, "2024-05-01");
    EXPECT_EQ(parsed.file_name, "part-1.parquet");
    keys.insert(key);

    ASSERT_TRUE(UsersFileKey(app, "part-2.parquet", &key).ok());
    EXPECT_EQ(std::count(key.begin(), key.end(), '/'), 2) << key;
    ASSERT_TRUE(ParseLakeKey(key, &parsed));
    EXPECT_EQ(parsed.kind, FileKind::kUsers);
    EXPECT_EQ(parsed.app_id, app);
    EXPECT_EQ(parsed.date, "");
  }
  EXPECT_EQ(keys.size(), std::size(apps));  // distinct apps, distinct directories
  std::string key;
  ASSERT_TRUE(EventsFileKey("2024-05-01", "../../etc", "part-1.parquet", &key).ok());
  EXPECT_EQ(key, "events/date=2024-05-01/app_id=..%2F..%2Fetc/part-1.parquet");
  ASSERT_TRUE(SetsFileKey("2024-05-01", "a/b", "part-1.parquet", &key).ok());
  EXPECT_EQ(key, "sets/date=2024-05-01/app_id=a%2Fb/part-1.parquet");
}

TEST(LakeKeys, RefusesBadParts) {
  std::string key;
  EXPECT_TRUE(EventsFileKey("2024-05-01", "", "p", &key).IsInvalidArgument());
  EXPECT_TRUE(EventsFileKey("2024-5-1", "a", "p", &key).IsInvalidArgument());
  EXPECT_TRUE(EventsFileKey("2024-02-30", "a", "p", &key).IsInvalidArgument());
  EXPECT_TRUE(EventsFileKey("../x", "a", "p", &key).IsInvalidArgument());
  EXPECT_TRUE(EventsFileKey("2024-05-01", "a", "../p", &key).IsInvalidArgument());
  EXPECT_TRUE(EventsFileKey("2024-05-01", "a", ".hidden", &key).IsInvalidArgument());
  EXPECT_TRUE(EventsFileKey("2024-05-01", "a", "_SUCCESS", &key).IsInvalidArgument());
  EXPECT_TRUE(EventsFileKey("2024-05-01", "a", "", &key).IsInvalidArgument());
  EXPECT_TRUE(RawFileKey("a", "2024-05-01", 24, "x.ndjson.zst", &key).IsInvalidArgument());
  ASSERT_TRUE(RawFileKey("a/b", "2024-05-01", 7, "x.ndjson.zst", &key).ok());
  EXPECT_EQ(key, "raw/app_id=a%2Fb/date=2024-05-01/hour=07/x.ndjson.zst");
  LakeKey parsed;
  ASSERT_TRUE(ParseLakeKey(key, &parsed));
  EXPECT_EQ(parsed.kind, FileKind::kRaw);
  EXPECT_EQ(parsed.app_id, "a/b");
  EXPECT_EQ(parsed.date, "2024-05-01");
  EXPECT_EQ(parsed.hour, 7);
  EXPECT_EQ(parsed.file_name, "x.ndjson.zst");
  EXPECT_FALSE(ParseLakeKey("raw/app_id=a/date=2024-05-01/hour=24/x", &parsed));
  EXPECT_FALSE(ParseLakeKey("raw/app_id=a/date=2024-05-01/hour=7/x", &parsed));
  EXPECT_FALSE(ParseLakeKey("raw/date=2024-05-01/app_id=a/hour=07/x", &parsed));
}

TEST(LakeKeys, ParseRefusesForeignAndNonCanonicalKeys) {
  LakeKey k;
  EXPECT_FALSE(ParseLakeKey("events/date=2024-05-01/app_id=web", &k));
  EXPECT_FALSE(ParseLakeKey("events/app_id=web/date=2024-05-01/p", &k));
  EXPECT_FALSE(ParseLakeKey("other/date=2024-05-01/app_id=web/p", &k));
  EXPECT_FALSE(ParseLakeKey("events/date=2024-13-01/app_id=web/p", &k));
  EXPECT_FALSE(ParseLakeKey("events/date=2024-05-01/app_id=/p", &k));
  EXPECT_FALSE(ParseLakeKey("events/date=2024-05-01/app_id=web/x/p", &k));
  EXPECT_FALSE(ParseLakeKey("events/date=2024-05-01/app_id=a%2fb/p", &k));  // lowercase: not ours
  EXPECT_FALSE(ParseLakeKey("events/date=2024-05-01/app_id=a%62/p", &k));   // escapes a plain 'b'
  EXPECT_TRUE(ParseLakeKey("events/date=2024-05-01/app_id=a%2Fb/p", &k));
  EXPECT_EQ(k.app_id, "a/b");
}

TEST(Dates, CivilDaysBothWays) {
  int32_t d = -1;
  ASSERT_TRUE(ParseDate("1970-01-01", &d));
  EXPECT_EQ(d, 0);
  ASSERT_TRUE(ParseDate("2000-03-01", &d));
  EXPECT_EQ(d, 11017);  // known: 2000-03-01 is day 11017
  ASSERT_TRUE(ParseDate("2024-02-29", &d));
  EXPECT_EQ(d, 19782);
  EXPECT_FALSE(ParseDate("2023-02-29", &d));
  EXPECT_FALSE(ParseDate("1900-02-29", &d));
  EXPECT_TRUE(ParseDate("2000-02-29", &d));
  EXPECT_FALSE(ParseDate("2024-04-31", &d));
  EXPECT_FALSE(ParseDate("2024-04-1a", &d));
  EXPECT_FALSE(ParseDate("20240401", &d));
  EXPECT_EQ(DateString(0), "1970-01-01");
  EXPECT_EQ(DateString(-1), "1969-12-31");
  EXPECT_EQ(DateString(19782), "2024-02-29");
  int32_t first = 0, last = 0;
  ASSERT_TRUE(ParseDate("0000-01-01", &first));
  ASSERT_TRUE(ParseDate("9999-12-31", &last));
  EXPECT_EQ(first, -719528);
  EXPECT_EQ(last, 2932896);
  for (int32_t day = first; day <= last; day += 997) {
    int32_t back;
    ASSERT_TRUE(ParseDate(DateString(day), &back)) << day;
    ASSERT_EQ(back, day);
  }
  EXPECT_EQ(DayOfTimeMs(0), 0);
  EXPECT_EQ(DayOfTimeMs(86'399'999), 0);
  EXPECT_EQ(DayOfTimeMs(86'400'000), 1);
  EXPECT_EQ(DayOfTimeMs(-1), -1);
  EXPECT_EQ(DayOfTimeMs(1714521600000), 19844);  // 2024-05-01T00:00:00Z
  EXPECT_EQ(DateString(19844), "2024-05-01");
}

TEST(ManifestKeys, TwentyDigitsRoundTrip) {
  EXPECT_EQ(ManifestVersionKey(5), "_manifest/v00000000000000000005.json");
  uint64_t v = 0;
  ASSERT_TRUE(ParseManifestVersionKey(ManifestVersionKey(18446744073709551615ull), &v));
  EXPECT_EQ(v, 18446744073709551615ull);
  EXPECT_FALSE(ParseManifestVersionKey("_manifest/v00000000000000000000.json", &v));
  EXPECT_FALSE(ParseManifestVersionKey("_manifest/v99999999999999999999.json", &v));  // overflows
  EXPECT_FALSE(ParseManifestVersionKey("_manifest/v0000000000000000005.json", &v));
  EXPECT_FALSE(ParseManifestVersionKey("_manifest/CURRENT", &v));
}

TEST(PartIds, FreshAndPlain) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewPartId();
    ASSERT_EQ(id.size(), 32u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(PartFileName("abc"), "part-abc.parquet");
}

TEST(PartIds, ForkedProcessesDoNotRepeatEachOther) {
  NewPartId();  // whatever state a generator keeps is now initialised
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string id = NewPartId();
    ::_exit(::write(fds[1], id.data(), id.size()) == static_cast<ssize_t>(id.size()) ? 0 : 1);
  }
  std::string mine = NewPartId();
  char buf[32];
  ASSERT_EQ(::read(fds[0], buf, sizeof buf), 32);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_NE(std::string(buf, 32), mine);
}

}  // namespace
}  // namespace swell::lake
