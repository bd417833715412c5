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

}  // namespace
}  // namespace swell::serve
