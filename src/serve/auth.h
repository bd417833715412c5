// Keys to apps: the ingest key (Amplitude api_key) lets a client write one
// app's events; the read key (Authorization: Bearer) lets it query that app
// and nothing else. A portfolio's read key reads audiences across the
// portfolio's apps (docs/api.md "Portfolios") and nothing else. A key of one
// kind never works as another.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace swell::serve {

struct ReadAuth {
  int http_status = 200;          // 200 when authorized, else 401 or 403
  std::string app_id;             // when authorized by an app's read key: its app; empty for a portfolio key
  std::vector<std::string> apps;  // when authorized: the apps the key reads ({app_id}, or the portfolio's apps)
  bool portfolio = false;         // when authorized by a portfolio's read key
  std::string error;              // when not: the message for {"error": ...}
};

class KeyRegistry {
 public:
  // REQUIRES: config passed ValidateConfig (keys are unique).
  explicit KeyRegistry(const config::Config& config);

  // The app whose ingest key is key, or nullptr.
  const std::string* AppForIngestKey(std::string_view key) const;
  // The app whose read key is key, or nullptr (a portfolio's key included).
  const std::string* AppForReadKey(std::string_view key) const;
  // The portfolio whose read key is key, or nullptr.
  const config::PortfolioConfig* PortfolioForReadKey(std::string_view key) const;

  // Checks an Authorization header value ("Bearer <read key>"); present is
  // false when the request had no Authorization header.
  ReadAuth AuthorizeRead(bool present, std::string_view authorization) const;
  // As AuthorizeRead, for a request with header_count Authorization headers
  // of which authorization is the first, whole (NUL bytes included). More
  // than one is 401: which of them counts would depend on the parser, and a
  // proxy in front may have checked another.
  ReadAuth AuthorizeReadHeaders(size_t header_count, std::string_view authorization) const;

 private:
  enum class Role { kIngest, kRead, kPortfolioRead };
  struct Entry {
    std::string key;
    Role role;
    std::string app_id;                  // kIngest, kRead
    config::PortfolioConfig portfolio;   // kPortfolioRead
  };

  // The entry whose key equals key, or nullptr. Compares key with every
  // known key in time that depends on neither which key matched nor how
  // much of a key a guess got right (no early exit, no hashing of secrets
  // into buckets).
  const Entry* Find(std::string_view key) const;

  std::vector<Entry> entries_;
};

}  // namespace swell::serve
