#include "serve/auth.h"

#include <strings.h>

#include <cstdint>

namespace swell::serve {

namespace {

// 0 when stored equals given, else nonzero; the time depends on the lengths only.
uint32_t Difference(std::string_view stored, std::string_view given) {
  // Every byte of the stored key is visited whatever the given key holds.
  uint32_t diff = static_cast<uint32_t>(stored.size() != given.size());
  const volatile unsigned char* s = reinterpret_cast<const unsigned char*>(stored.data());
  for (size_t i = 0; i < stored.size(); ++i) {
    unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= static_cast<uint32_t>(s[i] ^ g);
  }
  return diff;
}

}  // namespace

KeyRegistry::KeyRegistry(const config::Config& config) {
  for (const config::AppConfig& app : config.apps) {
    entries_.push_back(Entry{app.ingest_key, Role::kIngest, app.id, {}});
    entries_.push_back(Entry{app.read_key, Role::kRead, app.id, {}});
  }
  for (const config::PortfolioConfig& portfolio : config.portfolios) {
    entries_.push_back(Entry{portfolio.read_key, Role::kPortfolioRead, {}, portfolio});
  }
}

const KeyRegistry::Entry* KeyRegistry::Find(std::string_view key) const {
  // Keys are unique (ValidateConfig), so at most one entry matches; the
  // match is selected with a mask rather than a branch or an early return.
  uintptr_t found = 0;
  for (const Entry& e : entries_) {
    uint32_t diff = Difference(e.key, key);
    // all ones when diff == 0, else 0
    uintptr_t mask = static_cast<uintptr_t>(0) - static_cast<uintptr_t>(((diff | (0u - diff)) >> 31) ^ 1u);
    found |= reinterpret_cast<uintptr_t>(&e) & mask;
  }
  return reinterpret_cast<const Entry*>(found);
}

const std::string* KeyRegistry::AppForIngestKey(std::string_view key) const {
  const Entry* e = Find(key);
  return e != nullptr && e->role == Role::kIngest ? &e->app_id : nullptr;
}

const std::string* KeyRegistry::AppForReadKey(std::string_view key) const {
  const Entry* e = Find(key);
  return e != nullptr && e->role == Role::kRead ? &e->app_id : nullptr;
}

const config::PortfolioConfig* KeyRegistry::PortfolioForReadKey(std::string_view key) const {
  const Entry* e = Find(key);
  return e != nullptr && e->role == Role::kPortfolioRead ? &e->portfolio : nullptr;
}

ReadAuth KeyRegistry::AuthorizeRead(bool present, std::string_view authorization) const {
  return AuthorizeReadHeaders(present ? 1 : 0, authorization);
}

ReadAuth KeyRegistry::AuthorizeReadHeaders(size_t header_count, std::string_view authorization) const {
  ReadAuth auth;
  if (header_count == 0) {
    auth.http_status = 401;
    auth.error = "missing Authorization header: send Authorization: Bearer <read key>";
    return auth;
  }
  if (header_count > 1) {
    auth.http_status = 401;
    auth.error = "more than one Authorization header: send one, Authorization: Bearer <read key>";
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
  const Entry* e = Find(key);
  if (e == nullptr || e->role == Role::kIngest) {
    auth.http_status = 403;
    // An ingest key here is a common mistake worth naming; it is write only.
    auth.error = e != nullptr
                     ? "this is an ingest key, which can only send events; queries need the app's read key"
                     : "invalid read key";
    return auth;
  }
  if (e->role == Role::kPortfolioRead) {
    auth.apps = e->portfolio.apps;
    auth.portfolio = true;
    return auth;
  }
  auth.app_id = e->app_id;
  auth.apps = {e->app_id};
  return auth;
}

}  // namespace swell::serve
