#include "serve/auth.h"

#include <strings.h>

namespace swell::serve {

KeyRegistry::KeyRegistry(const config::Config& config) {
  for (const config::AppConfig& app : config.apps) {
    ingest_[app.ingest_key] = app.id;
    read_[app.read_key] = app.id;
  }
}

const std::string* KeyRegistry::AppForIngestKey(std::string_view key) const {
  auto it = ingest_.find(std::string(key));
  return it == ingest_.end() ? nullptr : &it->second;
}

const std::string* KeyRegistry::AppForReadKey(std::string_view key) const {
  auto it = read_.find(std::string(key));
  return it == read_.end() ? nullptr : &it->second;
}

ReadAuth KeyRegistry::AuthorizeRead(bool present, std::string_view authorization) const {
  ReadAuth auth;
  if (!present) {
    auth.http_status = 401;
    auth.error = "missing Authorization header: send Authorization: Bearer <read key>";
    return auth;
  }
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() < kScheme.size() ||
      ::strncasecmp(authorization.data(), kScheme.data(), kScheme.size()) != 0) {
    auth.http_status = 401;
    auth.error = "Authorization header must be: Bearer <read key>";
    return auth;
  }
  std::string_view key = authorization.substr(kScheme.size());
  while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
  while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
  if (key.empty()) {
    auth.http_status = 401;
    auth.error = "Authorization header has an empty key: send Authorization: Bearer <read key>";
    return auth;
  }
  const std::string* app = AppForReadKey(key);
  if (app == nullptr) {
    auth.http_status = 403;
    // An ingest key here is a common mistake worth naming; it is write only.
    auth.error = AppForIngestKey(key) != nullptr
                     ? "this is an ingest key, which can only send events; queries need the app's read key"
                     : "invalid read key";
    return auth;
  }
  auth.app_id = *app;
  return auth;
}

}  // namespace swell::serve
