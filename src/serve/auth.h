// Keys to apps: the ingest key (Amplitude api_key) lets a client write one
// app's events; the read key (Authorization: Bearer) lets it query that app
// and nothing else. A key of one kind never works as the other.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "config/config.h"

namespace swell::serve {

struct ReadAuth {
  int http_status = 200;  // 200 when authorized, else 401 or 403
  std::string app_id;     // when authorized
  std::string error;      // when not: the message for {"error": ...}
};

class KeyRegistry {
 public:
  // REQUIRES: config passed ValidateConfig (keys are unique).
  explicit KeyRegistry(const config::Config& config);

  // The app whose ingest key is key, or nullptr.
  const std::string* AppForIngestKey(std::string_view key) const;
  // The app whose read key is key, or nullptr.
  const std::string* AppForReadKey(std::string_view key) const;

  // Checks an Authorization header value ("Bearer <read key>"); present is
  // false when the request had no Authorization header.
  ReadAuth AuthorizeRead(bool present, std::string_view authorization) const;

 private:
  std::unordered_map<std::string, std::string> ingest_;
  std::unordered_map<std::string, std::string> read_;
};

}  // namespace swell::serve
