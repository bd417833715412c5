#include "config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "config/key_store.h"
#include "util/file_util.h"

namespace swell::config {
namespace {

const char* kTwoApps = R"(
[[app]]
id = "web"
ingest_key = "web-ingest-0123456789"
read_key = "web-read-0123456789ab"

[[app]]
id = "ios_app-2"
ingest_key = "ios-ingest-0123456789"
read_key = "ios-read-0123456789ab"
)";

Status Parse(const std::string& text, Config* c) { return ParseConfig(text, "test.toml", c); }

// The error for text, which must be refused.
std::string Error(const std::string& text) {
  Config c;
  Status st = Parse(text, &c);
  EXPECT_FALSE(st.ok()) << text;
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  return st.message();
}

std::string App(const std::string& id, const std::string& ingest, const std::string& read) {
  return "[[app]]\nid = \"" + id + "\"\ningest_key = \"" + ingest + "\"\nread_key = \"" + read + "\"\n";
}

TEST(ConfigTest, ParsesAppsAndDefaults) {
  Config c;
  ASSERT_TRUE(Parse(kTwoApps, &c).ok());
  ASSERT_EQ(c.apps.size(), 2u);
  EXPECT_EQ(c.apps[0].id, "web");
  EXPECT_EQ(c.apps[0].ingest_key, "web-ingest-0123456789");
  EXPECT_EQ(c.apps[1].read_key, "ios-read-0123456789ab");
  EXPECT_EQ(c.FindApp("ios_app-2"), &c.apps[1]);
  EXPECT_EQ(c.FindApp("nope"), nullptr);
  EXPECT_EQ(c.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.limits.max_body_bytes, 1u << 20);
  EXPECT_EQ(c.limits.max_batch_body_bytes, 20u << 20);
  EXPECT_EQ(c.limits.max_events_per_request, 2000u);
}

TEST(ConfigTest, ParsesServerAndLimits) {
  Config c;
  std::string text = std::string(kTwoApps) +
                     "[server]\nlisten = \"0.0.0.0:9000\"\nthreads = 8\n"
                     "[limits]\nmemory_limit = \"512MiB\"\nmax_body_bytes = 2048\nmax_batch_body_bytes = \"1MB\"\n"
                     "max_events_per_request = 10\n";
  Status st = Parse(text, &c);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(c.server.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.server.threads, 8);
  EXPECT_EQ(c.limits.memory_limit_bytes, 512ull << 20);
  EXPECT_EQ(c.limits.max_body_bytes, 2048u);
  EXPECT_EQ(c.limits.max_batch_body_bytes, 1000000u);
  EXPECT_EQ(c.limits.max_events_per_request, 10u);
}

TEST(ConfigTest, ParsesLake) {
  Config c;
  ASSERT_TRUE(Parse(kTwoApps, &c).ok());
  EXPECT_EQ(c.lake.seal_delay_seconds, 3600);
  EXPECT_FALSE(c.lake.raw_tier);
  std::string text = std::string(kTwoApps) +
                     "[lake]\nseal_delay_seconds = 120\nseal_interval_seconds = 5\nraw_tier = true\n"
                     "seal_parallel = 2\ncache = \"64MiB\"\nmax_event_age_days = 30\n";
  Status st = Parse(text, &c);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(c.lake.seal_delay_seconds, 120);
  EXPECT_EQ(c.lake.seal_interval_seconds, 5);
  EXPECT_TRUE(c.lake.raw_tier);
  EXPECT_EQ(c.lake.seal_parallel, 2);
  EXPECT_EQ(c.lake.cache_bytes, 64ull << 20);
  EXPECT_EQ(c.lake.max_event_age_days, 30);
  ASSERT_TRUE(Parse(std::string(kTwoApps) + "[lake]\ncache = \"auto\"\n", &c).ok());
  EXPECT_EQ(c.lake.cache_bytes, 0u);
  EXPECT_NE(Error(std::string(kTwoApps) + "[lake]\nraw_tier = 1\n").find("raw_tier must be true or false"),
            std::string::npos);
  EXPECT_NE(Error(std::string(kTwoApps) + "[lake]\nseal_delay = 1\n").find("unknown key"), std::string::npos);
  EXPECT_NE(Error(std::string(kTwoApps) + "[lake]\nseal_parallel = 0\n").find("seal_parallel must be between"),
            std::string::npos);
}

TEST(ConfigTest, ParsesQuery) {
  Config c;
  ASSERT_TRUE(Parse(kTwoApps, &c).ok());
  EXPECT_EQ(c.query.result_cache_bytes, 256ull << 20);
  EXPECT_EQ(c.query.audience_chunk_days, 60);
  Status st = Parse(std::string(kTwoApps) + "[query]\nresult_cache = \"16MiB\"\naudience_chunk_days = 0\n", &c);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(c.query.result_cache_bytes, 16ull << 20);
  EXPECT_EQ(c.query.audience_chunk_days, 0);
  EXPECT_NE(Error(std::string(kTwoApps) + "[query]\naudience_chunk_days = -1\n").find("audience_chunk_days"),
            std::string::npos);
  EXPECT_NE(Error(std::string(kTwoApps) + "[query]\ncache = 1\n").find("unknown key"), std::string::npos);
}


TEST(ConfigTest, ParsesQueryLimitsAndSlowClientTimeouts) {
  Config c;
  ASSERT_TRUE(Parse(kTwoApps, &c).ok());
  EXPECT_EQ(c.server.header_timeout_seconds, 10);
  EXPECT_EQ(c.server.body_timeout_seconds, 60);
  EXPECT_EQ(c.limits.max_concurrent_queries, 0);  // auto: hardware threads
  EXPECT_EQ(c.limits.query_queue_seconds, 2);
  EXPECT_EQ(c.limits.max_query_days, 3660);
  EXPECT_EQ(c.limits.max_result_series, 1000);
  std::string text = std::string(kTwoApps) +
                     "[server]\nheader_timeout_seconds = 3\nbody_timeout_seconds = 7\n"
                     "[limits]\nmax_concurrent_queries = 4\nquery_queue_seconds = 0\nmax_query_days = 31\n"
                     "max_result_series = 50\n";
  Status st = Parse(text, &c);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(c.server.header_timeout_seconds, 3);
  EXPECT_EQ(c.server.body_timeout_seconds, 7);
  EXPECT_EQ(c.limits.max_concurrent_queries, 4);
  EXPECT_EQ(c.limits.query_queue_seconds, 0);
  EXPECT_EQ(c.limits.max_query_days, 31);
  EXPECT_EQ(c.limits.max_result_series, 50);

  auto limits = [](const std::string& body) { return std::string(kTwoApps) + "[limits]\n" + body + "\n"; };
  auto server = [](const std::string& body) { return std::string(kTwoApps) + "[server]\n" + body + "\n"; };
  EXPECT_NE(Error(server("header_timeout_seconds = 0")).find("header_timeout_seconds must be between 1"),
            std::string::npos);
  EXPECT_NE(Error(server("body_timeout_seconds = 3601")).find("body_timeout_seconds must be between 1"),
            std::string::npos);
  EXPECT_NE(Error(server("body_timeout_seconds = \"60\"")).find("body_timeout_seconds must be an integer"),
            std::string::npos);
  EXPECT_NE(Error(limits("max_concurrent_queries = -1")).find("max_concurrent_queries must be between 0"),
            std::string::npos);
  EXPECT_NE(Error(limits("query_queue_seconds = -1")).find("query_queue_seconds must be between 0"),
            std::string::npos);
  EXPECT_NE(Error(limits("max_query_days = 0")).find("max_query_days must be between 1"), std::string::npos);
  EXPECT_NE(Error(limits("max_result_series = 10000001")).find("max_result_series must be between 1 and 10000000"),
            std::string::npos);
  EXPECT_NE(Error(limits("max_queries = 3")).find("unknown key"), std::string::npos);

  // Set in code rather than parsed, the same rules hold.
  ASSERT_TRUE(Parse(kTwoApps, &c).ok());
  Config bad = c;
  bad.server.header_timeout_seconds = 0;
  EXPECT_FALSE(ValidateConfig(bad).ok());
  bad = c;
  bad.limits.max_result_series = 0;
  EXPECT_FALSE(ValidateConfig(bad).ok());
  bad = c;
  bad.limits.max_concurrent_queries = -2;
  EXPECT_FALSE(ValidateConfig(bad).ok());
}
TEST(ConfigTest, RefusesNoApps) {
  EXPECT_NE(Error("").find("no apps"), std::string::npos);
  EXPECT_NE(Error("[server]\nlisten = \"127.0.0.1:1\"\n").find("no apps"), std::string::npos);
}

TEST(ConfigTest, RefusesMalformedToml) {
  std::string msg = Error("[[app]\nid = \"x\"");
  EXPECT_NE(msg.find("test.toml:"), std::string::npos) << msg;
}

TEST(ConfigTest, RefusesPathLikeAppIds) {
  for (std::string id : {"../../etc/passwd", "..", ".", "a/b", "a.b", "a\\\\b", "has space", "ünïcode", "a:b"}) {
    std::string msg = Error(App(id, "ingest-key-0123456789", "read-key-0123456789ab"));
    EXPECT_NE(msg.find("app #1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("may only contain letters"), std::string::npos) << id << ": " << msg;
  }
}

TEST(ConfigTest, AppIdLength) {
  EXPECT_NE(Error(App("", "ingest-key-0123456789", "read-key-0123456789ab")).find("empty"), std::string::npos);
  std::string id64(64, 'a');
  Config c;
  EXPECT_TRUE(Parse(App(id64, "ingest-key-0123456789", "read-key-0123456789ab"), &c).ok());
  EXPECT_NE(Error(App(id64 + "a", "ingest-key-0123456789", "read-key-0123456789ab")).find("longer than 64"),
            std::string::npos);
  EXPECT_TRUE(ValidateAppId("A-z_09").ok());
}

TEST(ConfigTest, RefusesDuplicateAppIds) {
  std::string msg = Error(App("web", "ingest-key-0123456789", "read-key-0123456789ab") +
                          App("web", "ingest-key-9876543210", "read-key-9876543210ab"));
  EXPECT_NE(msg.find("duplicate app id"), std::string::npos) << msg;
  EXPECT_NE(msg.find("app #2 \"web\""), std::string::npos) << msg;
}

TEST(ConfigTest, RefusesShortOrBadKeys) {
  std::string msg = Error(App("web", "short", "read-key-0123456789ab"));
  EXPECT_NE(msg.find("\"web\": ingest_key is shorter than 16"), std::string::npos) << msg;
  msg = Error(App("web", "ingest-key-0123456789", "fifteen-chars-x"));
  EXPECT_NE(msg.find("read_key is shorter than 16"), std::string::npos) << msg;
  Config c;
  EXPECT_TRUE(Parse(App("web", "sixteen-chars-xx", "read-key-0123456789ab"), &c).ok());
  msg = Error(App("web", "ingest key with spaces", "read-key-0123456789ab"));
  EXPECT_NE(msg.find("may only contain"), std::string::npos) << msg;
  msg = Error(App("web", std::string(257, 'k'), "read-key-0123456789ab"));
  EXPECT_NE(msg.find("longer than 256"), std::string::npos) << msg;
}

TEST(ConfigTest, RefusesKeysSharedAcrossAppsOrRoles) {
  // Same ingest key in two apps.
  std::string msg = Error(App("a", "shared-key-0123456789", "read-a-0123456789abc") +
                          App("b", "shared-key-0123456789", "read-b-0123456789abc"));
  EXPECT_NE(msg.find("app #2 \"b\": ingest_key is already used"), std::string::npos) << msg;
  // One app's read key is another app's ingest key.
  msg = Error(App("a", "ingest-a-0123456789ab", "read-a-0123456789abc") +
              App("b", "ingest-b-0123456789ab", "ingest-a-0123456789ab"));
  EXPECT_NE(msg.find("\"b\": read_key is already used"), std::string::npos) << msg;
  // An app's ingest key doubles as its own read key.
  msg = Error(App("a", "same-key-0123456789ab", "same-key-0123456789ab"));
  EXPECT_NE(msg.find("read_key is already used"), std::string::npos) << msg;
}

TEST(ConfigTest, RefusesMissingFieldsAndWrongTypes) {
  EXPECT_NE(Error("[[app]]\nid = \"web\"\nread_key = \"read-key-0123456789ab\"\n").find("missing ingest_key"),
            std::string::npos);
  EXPECT_NE(Error("[[app]]\ningest_key = \"ingest-key-0123456789\"\nread_key = \"read-key-0123456789ab\"\n")
                .find("missing id"),
            std::string::npos);
  EXPECT_NE(Error("[[app]]\nid = 42\ningest_key = \"ingest-key-0123456789\"\nread_key = \"read-key-0123456789ab\"\n")
                .find("id must be a string"),
            std::string::npos);
  EXPECT_NE(Error(std::string(kTwoApps) + "[server]\nthreads = \"many\"\n").find("threads must be an integer"),
            std::string::npos);
  EXPECT_NE(Error(std::string(kTwoApps) + "[limits]\nmax_body_bytes = true\n").find("max_body_bytes must be"),
            std::string::npos);
  EXPECT_NE(Error("app = \"web\"\n").find("[[app]]"), std::string::npos);
  EXPECT_NE(Error(std::string(kTwoApps) + "[server]\nthreads = 0\n").find("between 1 and"), std::string::npos);
}

TEST(ConfigTest, RefusesUnknownKeys) {
  EXPECT_NE(Error(std::string(kTwoApps) + "[serverr]\n").find("unknown key \"serverr\""), std::string::npos);
  EXPECT_NE(Error(std::string(kTwoApps) + "[server]\nlisen = \"x\"\n").find("unknown key \"lisen\""),
            std::string::npos);
  EXPECT_NE(Error(std::string(kTwoApps) + "[limits]\nmax_body = 1\n").find("unknown key \"max_body\""),
            std::string::npos);
  EXPECT_NE(Error(App("web", "ingest-key-0123456789", "read-key-0123456789ab") + "readkey = \"x\"\n")
                .find("unknown key \"readkey\""),
            std::string::npos);
}

TEST(ConfigTest, RefusesBadListenAndSizes) {
  EXPECT_NE(Error(std::string(kTwoApps) + "[server]\nlisten = \"localhost\"\n").find("HOST:PORT"), std::string::npos);
  EXPECT_NE(Error(std::string(kTwoApps) + "[server]\nlisten = \"localhost:99999\"\n").find("invalid port"),
            std::string::npos);
  EXPECT_NE(Error(std::string(kTwoApps) + "[limits]\nmemory_limit = \"12 parsecs\"\n").find("unknown unit"),
            std::string::npos);
  EXPECT_NE(Error(std::string(kTwoApps) + "[limits]\nmax_body_bytes = 0\n").find("positive"), std::string::npos);
}

std::string Portfolio(const std::string& id, const std::string& apps, const std::string& read) {
  return "[[portfolio]]\nid = \"" + id + "\"\napps = " + apps + "\nread_key = \"" + read + "\"\n";
}

TEST(ConfigTest, ParsesPortfolios) {
  Config c;
  std::string text = std::string(kTwoApps) + Portfolio("games", R"(["web", "ios_app-2"])", "games-read-0123456789") +
                     Portfolio("solo", R"(["web"])", "solo-read-01234567890");
  Status st = Parse(text, &c);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(c.portfolios.size(), 2u);
  EXPECT_EQ(c.portfolios[0].id, "games");
  EXPECT_EQ(c.portfolios[0].apps, (std::vector<std::string>{"web", "ios_app-2"}));
  EXPECT_EQ(c.portfolios[0].read_key, "games-read-0123456789");
  EXPECT_EQ(c.portfolios[1].apps, std::vector<std::string>{"web"});
  EXPECT_EQ(c.FindPortfolio("solo"), &c.portfolios[1]);
  EXPECT_EQ(c.FindPortfolio("web"), nullptr);
  EXPECT_EQ(c.apps.size(), 2u);
  // A portfolio may come before the apps it lists, and share an id with an app.
  ASSERT_TRUE(Parse(Portfolio("web", R"(["web"])", "games-read-0123456789") + kTwoApps, &c).ok());
  EXPECT_EQ(c.portfolios[0].id, "web");
  // No portfolios: none.
  ASSERT_TRUE(Parse(kTwoApps, &c).ok());
  EXPECT_TRUE(c.portfolios.empty());
}

TEST(ConfigTest, RefusesBadPortfolios) {
  const std::string apps = kTwoApps;
  // Ids: the rules of an app id, unique among portfolios.
  std::string msg = Error(apps + Portfolio("../x", R"(["web"])", "games-read-0123456789"));
  EXPECT_NE(msg.find("portfolio #1 \"../x\": portfolio id \"../x\" may only contain letters"), std::string::npos)
      << msg;
  msg = Error(apps + Portfolio("", R"(["web"])", "games-read-0123456789"));
  EXPECT_NE(msg.find("portfolio #1 \"\": portfolio id is empty"), std::string::npos) << msg;
  msg = Error(apps + Portfolio(std::string(65, 'p'), R"(["web"])", "games-read-0123456789"));
  EXPECT_NE(msg.find("longer than 64"), std::string::npos) << msg;
  msg = Error(apps + Portfolio("games", R"(["web"])", "games-read-0123456789") +
              Portfolio("games", R"(["ios_app-2"])", "games-read-9876543210"));
  EXPECT_NE(msg.find("portfolio #2 \"games\": duplicate portfolio id"), std::string::npos) << msg;
  // Apps: 1+, configured, no repeats.
  msg = Error(apps + Portfolio("games", "[]", "games-read-0123456789"));
  EXPECT_NE(msg.find("portfolio #1 \"games\": apps is empty"), std::string::npos) << msg;
  msg = Error(apps + Portfolio("games", R"(["web", "android"])", "games-read-0123456789"));
  EXPECT_NE(msg.find("portfolio #1 \"games\": apps: \"android\" is not an app"), std::string::npos) << msg;
  msg = Error(apps + Portfolio("games", R"(["web", "ios_app-2", "web"])", "games-read-0123456789"));
  EXPECT_NE(msg.find("portfolio #1 \"games\": apps: \"web\" is listed twice"), std::string::npos) << msg;
  // Keys: the key rules, distinct from every app key and every other portfolio key.
  msg = Error(apps + Portfolio("games", R"(["web"])", "short"));
  EXPECT_NE(msg.find("portfolio #1 \"games\": read_key is shorter than 16"), std::string::npos) << msg;
  msg = Error(apps + Portfolio("games", R"(["web"])", "has spaces in the key"));
  EXPECT_NE(msg.find("read_key may only contain"), std::string::npos) << msg;
  for (const char* taken : {"web-read-0123456789ab", "web-ingest-0123456789", "ios-ingest-0123456789"}) {
    msg = Error(apps + Portfolio("games", R"(["web"])", taken));
    EXPECT_NE(msg.find("portfolio #1 \"games\": read_key is already used"), std::string::npos) << taken << msg;
  }
  msg = Error(apps + Portfolio("a", R"(["web"])", "games-read-0123456789") +
              Portfolio("b", R"(["ios_app-2"])", "games-read-0123456789"));
  EXPECT_NE(msg.find("portfolio #2 \"b\": read_key is already used"), std::string::npos) << msg;
  // A portfolio needs apps: a config of portfolios alone is refused.
  EXPECT_NE(Error(Portfolio("games", R"(["web"])", "games-read-0123456789")).find("no apps"), std::string::npos);
}

TEST(ConfigTest, RefusesMalformedPortfolios) {
  const std::string apps = kTwoApps;
  // Missing fields, wrong types, unknown keys (as for apps).
  std::string msg = Error(apps + "[[portfolio]]\napps = [\"web\"]\nread_key = \"games-read-0123456789\"\n");
  EXPECT_NE(msg.find("[[portfolio]]: missing id"), std::string::npos) << msg;
  msg = Error(apps + "[[portfolio]]\nid = \"games\"\nread_key = \"games-read-0123456789\"\n");
  EXPECT_NE(msg.find("[[portfolio]] \"games\": missing apps"), std::string::npos) << msg;
  msg = Error(apps + "[[portfolio]]\nid = \"games\"\napps = [\"web\"]\n");
  EXPECT_NE(msg.find("[[portfolio]] \"games\": missing read_key"), std::string::npos) << msg;
  msg = Error(apps + Portfolio("games", "\"web\"", "games-read-0123456789"));
  EXPECT_NE(msg.find("apps must be an array"), std::string::npos) << msg;
  msg = Error(apps + Portfolio("games", "[\"web\", 2]", "games-read-0123456789"));
  EXPECT_NE(msg.find("apps must hold only strings"), std::string::npos) << msg;
  msg = Error(apps + Portfolio("games", "[[\"web\"]]", "games-read-0123456789"));
  EXPECT_NE(msg.find("apps must hold only strings"), std::string::npos) << msg;
  msg = Error(apps + "[[portfolio]]\nid = 7\napps = [\"web\"]\nread_key = \"games-read-0123456789\"\n");
  EXPECT_NE(msg.find("id must be a string"), std::string::npos) << msg;
  msg = Error(apps + Portfolio("games", R"(["web"])", "games-read-0123456789") + "ingest_key = \"x\"\n");
  EXPECT_NE(msg.find("[[portfolio]]: unknown key \"ingest_key\" (known: id, apps, read_key)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("test.toml:"), std::string::npos) << msg;
  msg = Error("portfolio = \"games\"\n" + apps);
  EXPECT_NE(msg.find("write each portfolio as [[portfolio]]"), std::string::npos) << msg;
  msg = Error(apps + "[portfolio]\nid = \"games\"\n");
  EXPECT_NE(msg.find("[[portfolio]]"), std::string::npos) << msg;
  msg = Error(apps + "[[portfolios]]\nid = \"games\"\n");
  EXPECT_NE(msg.find("unknown key \"portfolios\""), std::string::npos) << msg;
}

TEST(ConfigTest, ParseByteSizeAndListen) {
  uint64_t b = 0;
  ASSERT_TRUE(ParseByteSize("4GiB", &b).ok());
  EXPECT_EQ(b, 4ull << 30);
  ASSERT_TRUE(ParseByteSize("100 MB", &b).ok());
  EXPECT_EQ(b, 100000000u);
  ASSERT_TRUE(ParseByteSize("123", &b).ok());
  EXPECT_EQ(b, 123u);
  EXPECT_FALSE(ParseByteSize("", &b).ok());
  EXPECT_FALSE(ParseByteSize("MiB", &b).ok());
  EXPECT_FALSE(ParseByteSize("99999999999999999999", &b).ok());
  EXPECT_FALSE(ParseByteSize("99999999999GiB", &b).ok());
  std::string host;
  int port = -1;
  ASSERT_TRUE(ParseListenAddress("127.0.0.1:0", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(ParseListenAddress("[::1]:8080", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 8080);
  EXPECT_FALSE(ParseListenAddress(":8080", &host, &port).ok());
  EXPECT_FALSE(ParseListenAddress("host:", &host, &port).ok());
  EXPECT_FALSE(ParseListenAddress("host:80x", &host, &port).ok());
}

class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/swell-keys-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(KeyStoreTest, CreatesOnceThenReusesKeys) {
  Config first;
  bool created = false;
  ASSERT_TRUE(LoadOrCreateKeys(dir_, &first, &created).ok());
  EXPECT_TRUE(created);
  ASSERT_EQ(first.apps.size(), 1u);
  EXPECT_EQ(first.apps[0].id, "default");
  EXPECT_EQ(first.apps[0].ingest_key.size(), 32u);
  EXPECT_NE(first.apps[0].ingest_key, first.apps[0].read_key);
  EXPECT_TRUE(ValidateConfig(first).ok());

  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/keys.toml").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(FileExists(dir_ + "/keys.toml.tmp"));

  Config second;
  ASSERT_TRUE(LoadOrCreateKeys(dir_, &second, &created).ok());
  EXPECT_FALSE(created);
  ASSERT_EQ(second.apps.size(), 1u);
  EXPECT_EQ(second.apps[0].ingest_key, first.apps[0].ingest_key);
  EXPECT_EQ(second.apps[0].read_key, first.apps[0].read_key);
}

TEST_F(KeyStoreTest, DifferentDirsGetDifferentKeys) {
  std::string other = dir_ + "/other";
  ASSERT_TRUE(CreateDirectories(other).ok());
  Config a, b;
  bool created;
  ASSERT_TRUE(LoadOrCreateKeys(dir_, &a, &created).ok());
  ASSERT_TRUE(LoadOrCreateKeys(other, &b, &created).ok());
  EXPECT_NE(a.apps[0].ingest_key, b.apps[0].ingest_key);
  EXPECT_NE(a.apps[0].read_key, b.apps[0].read_key);
}

TEST_F(KeyStoreTest, CorruptKeysFileIsAnErrorAndKept) {
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/keys.toml", "[[app]\ngarbage").ok());
  Config c;
  bool created = false;
  Status st = LoadOrCreateKeys(dir_, &c, &created);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find("keys.toml"), std::string::npos);
  std::string text;
  ASSERT_TRUE(ReadFileToString(dir_ + "/keys.toml", &text).ok());
  EXPECT_EQ(text, "[[app]\ngarbage");
}

}  // namespace
}  // namespace swell::config
