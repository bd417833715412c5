#include "serve/auth.h"

#include <gtest/gtest.h>

namespace swell::serve {
namespace {

config::Config TwoApps() {
  config::Config c;
  c.apps.push_back({"web", "web-ingest-0123456789", "web-read-0123456789ab"});
  c.apps.push_back({"ios", "ios-ingest-0123456789", "ios-read-0123456789ab"});
  return c;
}

config::Config WithPortfolio() {
  config::Config c = TwoApps();
  c.portfolios.push_back({"both", {"web", "ios"}, "both-read-0123456789ab"});
  c.portfolios.push_back({"justios", {"ios"}, "ios-only-portfolio-key"});
  return c;
}

TEST(KeyRegistryTest, IngestAndReadKeysAreSeparate) {
  KeyRegistry keys(TwoApps());
  ASSERT_NE(keys.AppForIngestKey("web-ingest-0123456789"), nullptr);
  EXPECT_EQ(*keys.AppForIngestKey("web-ingest-0123456789"), "web");
  EXPECT_EQ(*keys.AppForIngestKey("ios-ingest-0123456789"), "ios");
  EXPECT_EQ(keys.AppForIngestKey("web-read-0123456789ab"), nullptr);
  EXPECT_EQ(keys.AppForReadKey("web-ingest-0123456789"), nullptr);
  EXPECT_EQ(*keys.AppForReadKey("ios-read-0123456789ab"), "ios");
  EXPECT_EQ(keys.AppForIngestKey(""), nullptr);
}

TEST(KeyRegistryTest, AuthorizeRead) {
  KeyRegistry keys(TwoApps());
  ReadAuth a = keys.AuthorizeRead(true, "Bearer web-read-0123456789ab");
  EXPECT_EQ(a.http_status, 200);
  EXPECT_EQ(a.app_id, "web");
  EXPECT_EQ(a.apps, std::vector<std::string>{"web"});
  EXPECT_FALSE(a.portfolio);
  a = keys.AuthorizeRead(true, "bearer  ios-read-0123456789ab ");
  EXPECT_EQ(a.http_status, 200);
  EXPECT_EQ(a.app_id, "ios");

  a = keys.AuthorizeRead(false, "");
  EXPECT_EQ(a.http_status, 401);
  EXPECT_NE(a.error.find("missing Authorization"), std::string::npos);
  for (const char* bad : {"", "Basic abc", "Bearer", "Bearer   ", "web-read-0123456789ab"}) {
    a = keys.AuthorizeRead(true, bad);
    EXPECT_EQ(a.http_status, 401) << bad;
    EXPECT_TRUE(a.app_id.empty());
  }
  a = keys.AuthorizeRead(true, "Bearer nope-nope-nope-nope");
  EXPECT_EQ(a.http_status, 403);
  EXPECT_EQ(a.error, "invalid read key");
  a = keys.AuthorizeRead(true, "Bearer web-ingest-0123456789");
  EXPECT_EQ(a.http_status, 403);
  EXPECT_NE(a.error.find("ingest key"), std::string::npos);
  EXPECT_TRUE(a.app_id.empty());
}

TEST(KeyRegistryTest, PortfolioKeys) {
  KeyRegistry keys(WithPortfolio());
  ReadAuth a = keys.AuthorizeRead(true, "Bearer both-read-0123456789ab");
  EXPECT_EQ(a.http_status, 200);
  EXPECT_TRUE(a.portfolio);
  EXPECT_TRUE(a.app_id.empty());
  EXPECT_EQ(a.apps, (std::vector<std::string>{"web", "ios"}));
  EXPECT_TRUE(a.error.empty());

  a = keys.AuthorizeRead(true, "Bearer ios-only-portfolio-key");
  EXPECT_EQ(a.http_status, 200);
  EXPECT_TRUE(a.portfolio);
  EXPECT_TRUE(a.app_id.empty());
  EXPECT_EQ(a.apps, std::vector<std::string>{"ios"});

  // App keys are unchanged by portfolios.
  a = keys.AuthorizeRead(true, "Bearer ios-read-0123456789ab");
  EXPECT_EQ(a.http_status, 200);
  EXPECT_FALSE(a.portfolio);
  EXPECT_EQ(a.app_id, "ios");
  EXPECT_EQ(a.apps, std::vector<std::string>{"ios"});

  // A portfolio key is a read key only: not an app's, and no ingest key.
  EXPECT_EQ(keys.AppForReadKey("both-read-0123456789ab"), nullptr);
  EXPECT_EQ(keys.AppForIngestKey("both-read-0123456789ab"), nullptr);
  ASSERT_NE(keys.PortfolioForReadKey("both-read-0123456789ab"), nullptr);
  EXPECT_EQ(keys.PortfolioForReadKey("both-read-0123456789ab")->id, "both");
  EXPECT_EQ(keys.PortfolioForReadKey("web-read-0123456789ab"), nullptr);
  EXPECT_EQ(keys.PortfolioForReadKey("web-ingest-0123456789"), nullptr);
  EXPECT_EQ(*keys.AppForIngestKey("web-ingest-0123456789"), "web");

  // Near misses of a portfolio key: prefixes, extensions, one byte off.
  for (const char* bad : {"Bearer both-read-0123456789a", "Bearer both-read-0123456789abc",
                          "Bearer both-read-0123456789aB", "Bearer Both-read-0123456789ab"}) {
    a = keys.AuthorizeRead(true, bad);
    EXPECT_EQ(a.http_status, 403) << bad;
    EXPECT_EQ(a.error, "invalid read key") << bad;
    EXPECT_FALSE(a.portfolio) << bad;
    EXPECT_TRUE(a.apps.empty()) << bad;
  }
  a = keys.AuthorizeRead(false, "");
  EXPECT_EQ(a.http_status, 401);
  EXPECT_TRUE(a.apps.empty());
}

TEST(KeyRegistryTest, KeysDifferingInLengthOrOneByteDoNotMatch) {
  KeyRegistry keys(TwoApps());
  std::string key = "web-read-0123456789ab";
  for (size_t i = 0; i < key.size(); ++i) {
    std::string bad = key;
    bad[i] ^= 1;
    EXPECT_EQ(keys.AppForReadKey(bad), nullptr) << bad;
    EXPECT_EQ(keys.AppForReadKey(key.substr(0, i)), nullptr) << i;
  }
  EXPECT_EQ(keys.AppForReadKey(key + "x"), nullptr);
  EXPECT_EQ(keys.AppForReadKey(key + std::string(1, '\0')), nullptr);
  ASSERT_NE(keys.AppForReadKey(key), nullptr);
  KeyRegistry none{config::Config{}};
  EXPECT_EQ(none.AppForReadKey(key), nullptr);
  EXPECT_EQ(none.AuthorizeRead(true, "Bearer " + key).http_status, 403);
}

TEST(KeyRegistryTest, OneAuthorizationHeaderOnly) {
  KeyRegistry keys(TwoApps());
  ReadAuth a = keys.AuthorizeReadHeaders(1, "Bearer web-read-0123456789ab");
  EXPECT_EQ(a.http_status, 200);
  EXPECT_EQ(a.app_id, "web");
  a = keys.AuthorizeReadHeaders(0, "Bearer web-read-0123456789ab");
  EXPECT_EQ(a.http_status, 401);
  EXPECT_NE(a.error.find("missing Authorization"), std::string::npos);
  // Two headers are refused even when the first holds a valid key.
  for (size_t n : {size_t{2}, size_t{3}}) {
    a = keys.AuthorizeReadHeaders(n, "Bearer web-read-0123456789ab");
    EXPECT_EQ(a.http_status, 401) << n;
    EXPECT_NE(a.error.find("more than one Authorization header"), std::string::npos) << a.error;
    EXPECT_TRUE(a.app_id.empty());
    EXPECT_TRUE(a.apps.empty());
  }
  // A NUL ends nothing: the key is every byte sent.
  using namespace std::string_literals;
  a = keys.AuthorizeReadHeaders(1, "Bearer web-read-0123456789ab\0ios-read-0123456789ab"s);
  EXPECT_EQ(a.http_status, 403);
  EXPECT_TRUE(a.apps.empty());
  a = keys.AuthorizeReadHeaders(1, "Bearer web-read-0123456789ab\n");
  EXPECT_EQ(a.http_status, 403);
  a = keys.AuthorizeReadHeaders(1, "Bearer web-read-0123456789ab\t");
  EXPECT_EQ(a.http_status, 403);
}

// The comparison visits every configured key whatever matched (a mask, not
// an early return): the first and the last key are found alike, a key that
// is a prefix of another matches only itself, and a guess longer or shorter
// than every key matches none.
TEST(KeyRegistryTest, EveryKeyIsComparedExactly) {
  config::Config c;
  for (int i = 0; i < 40; ++i) {
    std::string n = std::to_string(i);
    c.apps.push_back({"app" + n, "ingest-key-abcdefgh-" + n, "read-key-abcdefghij-" + n});
  }
  // Keys that extend one another.
  c.apps.push_back({"short", "shared-prefix-key-00", "shared-prefix-key-00x"});
  c.apps.push_back({"long", "shared-prefix-key-00xy", "shared-prefix-key-00xyz"});
  KeyRegistry keys(c);
  for (int i = 0; i < 40; ++i) {
    std::string n = std::to_string(i);
    const std::string* app = keys.AppForIngestKey("ingest-key-abcdefgh-" + n);
    ASSERT_NE(app, nullptr) << i;
    EXPECT_EQ(*app, "app" + n);
    app = keys.AppForReadKey("read-key-abcdefghij-" + n);
    ASSERT_NE(app, nullptr) << i;
    EXPECT_EQ(*app, "app" + n);
    EXPECT_EQ(keys.AppForReadKey("ingest-key-abcdefgh-" + n), nullptr);
  }
  EXPECT_EQ(*keys.AppForIngestKey("shared-prefix-key-00"), "short");
  EXPECT_EQ(*keys.AppForReadKey("shared-prefix-key-00x"), "short");
  EXPECT_EQ(*keys.AppForIngestKey("shared-prefix-key-00xy"), "long");
  EXPECT_EQ(*keys.AppForReadKey("shared-prefix-key-00xyz"), "long");
  EXPECT_EQ(keys.AppForIngestKey("shared-prefix-key-0"), nullptr);
  EXPECT_EQ(keys.AppForReadKey("shared-prefix-key-00xyzz"), nullptr);
  EXPECT_EQ(keys.AppForReadKey(std::string(100000, 'k')), nullptr);
  EXPECT_EQ(keys.AppForReadKey(""), nullptr);
  EXPECT_EQ(keys.AuthorizeRead(true, "Bearer shared-prefix-key-00").http_status, 403);
  EXPECT_EQ(keys.AuthorizeRead(true, "Bearer shared-prefix-key-00x").app_id, "short");
}

}  // namespace
}  // namespace swell::serve
