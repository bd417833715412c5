#include "config/config.h"

#include <toml++/toml.h>

#include <cctype>
#include <charconv>
#include <set>

#include "util/file_util.h"

namespace swell::config {

namespace {

bool IsAppIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool IsKeyChar(char c) {
  return IsAppIdChar(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
}

// Quotes s for an error message, escaping what a terminal would misread.
std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s.substr(0, 80)) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > 80) out += "...";
  out += '"';
  return out;
}

std::string Where(std::string_view origin, const toml::source_region& src) {
  return std::string(origin) + ":" + std::to_string(src.begin.line);
}

// Reads a string value; a present key of another type is an error.
Status GetString(const toml::table& t, std::string_view key, std::string_view where, std::string* out,
                 bool required) {
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    if (required) return Status::InvalidArgument(std::string(where) + ": missing " + std::string(key));
    return Status::OK();
  }
  auto v = n->value<std::string>();
  if (!n->is_string() || !v) {
    return Status::InvalidArgument(std::string(where) + ": " + std::string(key) + " must be a string");
  }
  *out = *v;
  return Status::OK();
}

Status GetInt(const toml::table& t, std::string_view key, std::string_view where, int64_t min, int64_t max,
              int64_t* out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return Status::OK();
  if (!n->is_integer()) {
    return Status::InvalidArgument(std::string(where) + ": " + std::string(key) + " must be an integer");
  }
  int64_t v = *n->value<int64_t>();
  if (v < min || v > max) {
    return Status::InvalidArgument(std::string(where) + ": " + std::string(key) + " must be between " +
                                   std::to_string(min) + " and " + std::to_string(max));
  }
  *out = v;
  return Status::OK();
}

Status GetBool(const toml::table& t, std::string_view key, std::string_view where, bool* out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return Status::OK();
  if (!n->is_boolean()) {
    return Status::InvalidArgument(std::string(where) + ": " + std::string(key) + " must be true or false");
  }
  *out = *n->value<bool>();
  return Status::OK();
}

// A byte size is an integer or a string with a unit ("512MiB").
Status GetBytes(const toml::table& t, std::string_view key, std::string_view where, uint64_t* out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return Status::OK();
  if (n->is_integer()) {
    int64_t v = *n->value<int64_t>();
    if (v <= 0) return Status::InvalidArgument(std::string(where) + ": " + std::string(key) + " must be positive");
    *out = static_cast<uint64_t>(v);
    return Status::OK();
  }
  if (n->is_string()) {
    Status st = ParseByteSize(*n->value<std::string>(), out);
    if (!st.ok()) return Status::InvalidArgument(std::string(where) + ": " + std::string(key) + ": " + st.message());
    return Status::OK();
  }
  return Status::InvalidArgument(std::string(where) + ": " + std::string(key) +
                                 " must be a byte count or a string such as \"512MiB\"");
}

Status CheckKnownKeys(const toml::table& t, std::initializer_list<std::string_view> known, std::string_view where) {
  for (const auto& [k, v] : t) {
    bool ok = false;
    for (std::string_view name : known) ok = ok || k.str() == name;
    if (!ok) {
      return Status::InvalidArgument(std::string(where) + ": unknown key " + Quoted(k.str()) + " (known: " +
                                     [&] {
                                       std::string s;
                                       for (std::string_view name : known) {
                                         if (!s.empty()) s += ", ";
                                         s += name;
                                       }
                                       return s;
                                     }() +
                                     ")");
    }
  }
  return Status::OK();
}

}  // namespace

const AppConfig* Config::FindApp(std::string_view id) const {
  for (const AppConfig& app : apps) {
    if (app.id == id) return &app;
  }
  return nullptr;
}

const PortfolioConfig* Config::FindPortfolio(std::string_view id) const {
  for (const PortfolioConfig& portfolio : portfolios) {
    if (portfolio.id == id) return &portfolio;
  }
  return nullptr;
}

namespace {

// The rules of an app id (also a portfolio's id); kind names it in messages.
Status ValidateId(std::string_view kind, std::string_view id) {
  std::string what(kind);
  if (id.empty()) return Status::InvalidArgument(what + " is empty");
  if (id.size() > kMaxAppIdLength) {
    return Status::InvalidArgument(what + " " + Quoted(id) + " is longer than " + std::to_string(kMaxAppIdLength) +
                                   " characters");
  }
  for (char c : id) {
    if (!IsAppIdChar(c)) {
      return Status::InvalidArgument(what + " " + Quoted(id) +
                                     " may only contain letters, digits, '_' and '-' (no dots, slashes or "
                                     "other path-like characters)");
    }
  }
  return Status::OK();
}

}  // namespace

Status ValidateAppId(std::string_view id) { return ValidateId("app id", id); }

Status ValidateKey(std::string_view key) {
  if (key.size() < kMinKeyLength) {
    return Status::InvalidArgument("is shorter than " + std::to_string(kMinKeyLength) + " characters");
  }
  if (key.size() > kMaxKeyLength) {
    return Status::InvalidArgument("is longer than " + std::to_string(kMaxKeyLength) + " characters");
  }
  for (char c : key) {
    if (!IsKeyChar(c)) return Status::InvalidArgument("may only contain letters, digits and . _ ~ + / = -");
  }
  return Status::OK();
}

Status ValidateConfig(const Config& config) {
  if (config.apps.empty()) return Status::InvalidArgument("no apps configured: add an [[app]] table");
  std::set<std::string> ids;
  // Every key maps to exactly one (app, role): an ingest key that is also a
  // read key would let a write-only secret read data.
  std::set<std::string> keys;
  for (size_t i = 0; i < config.apps.size(); ++i) {
    const AppConfig& app = config.apps[i];
    std::string name = "app #" + std::to_string(i + 1) + " " + Quoted(app.id);
    Status st = ValidateAppId(app.id);
    if (!st.ok()) return Status::InvalidArgument(name + ": " + st.message());
    if (!ids.insert(app.id).second) return Status::InvalidArgument(name + ": duplicate app id");
    for (auto [role, key] : {std::pair<const char*, const std::string*>{"ingest_key", &app.ingest_key},
                             std::pair<const char*, const std::string*>{"read_key", &app.read_key}}) {
      st = ValidateKey(*key);
      if (!st.ok()) return Status::InvalidArgument(name + ": " + role + " " + st.message());
      if (!keys.insert(*key).second) {
        return Status::InvalidArgument(name + ": " + role +
                                       " is already used by another key; every ingest and read key must be unique");
      }
    }
  }
  std::set<std::string> portfolio_ids;
  for (size_t i = 0; i < config.portfolios.size(); ++i) {
    const PortfolioConfig& portfolio = config.portfolios[i];
    std::string name = "portfolio #" + std::to_string(i + 1) + " " + Quoted(portfolio.id);
    Status st = ValidateId("portfolio id", portfolio.id);
    if (!st.ok()) return Status::InvalidArgument(name + ": " + st.message());
    if (!portfolio_ids.insert(portfolio.id).second) {
      return Status::InvalidArgument(name + ": duplicate portfolio id");
    }
    if (portfolio.apps.empty()) {
      return Status::InvalidArgument(name + ": apps is empty: list the ids of one or more [[app]] tables");
    }
    std::set<std::string_view> listed;
    for (const std::string& app : portfolio.apps) {
      if (!ids.contains(app)) {
        return Status::InvalidArgument(name + ": apps: " + Quoted(app) + " is not an app of this config ([[app]] id)");
      }
      if (!listed.insert(app).second) {
        return Status::InvalidArgument(name + ": apps: " + Quoted(app) + " is listed twice");
      }
    }
    st = ValidateKey(portfolio.read_key);
    if (!st.ok()) return Status::InvalidArgument(name + ": read_key " + st.message());
    if (!keys.insert(portfolio.read_key).second) {
      return Status::InvalidArgument(name +
                                     ": read_key is already used by another key; every ingest and read key (of apps "
                                     "and portfolios) must be unique");
    }
  }
  const LimitsConfig& l = config.limits;
  if (l.max_body_bytes == 0 || l.max_batch_body_bytes == 0 || l.max_events_per_request == 0 ||
      l.max_events_per_batch_request == 0 || l.memory_limit_bytes == 0) {
    return Status::InvalidArgument("[limits]: every limit must be positive");
  }
  if (l.max_concurrent_queries < 0 || l.query_queue_seconds < 0 || l.max_query_days < 1 ||
      l.max_result_series < 1 || l.max_result_series > 10000000) {
    return Status::InvalidArgument(
        "[limits]: max_concurrent_queries and query_queue_seconds must be 0 or more, max_query_days at least 1, "
        "max_result_series from 1 to 10000000");
  }
  if (config.server.threads < 1) return Status::InvalidArgument("[server]: threads must be at least 1");
  if (config.server.header_timeout_seconds < 1 || config.server.body_timeout_seconds < 1) {
    return Status::InvalidArgument("[server]: header_timeout_seconds and body_timeout_seconds must be at least 1");
  }
  std::string host;
  int port = 0;
  Status st = ParseListenAddress(config.server.listen, &host, &port);
  if (!st.ok()) return Status::InvalidArgument("[server]: listen: " + st.message());
  return Status::OK();
}

Status ParseConfig(std::string_view toml_text, std::string_view origin, Config* config) {
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(Where(origin, e.source()) + ": " + std::string(e.description()));
  }
  Config c;
  SWELL_RETURN_IF_ERROR(CheckKnownKeys(root, {"app", "portfolio", "server", "limits", "lake", "query"}, origin));

  if (const toml::node* server = root.get("server")) {
    const toml::table* t = server->as_table();
    std::string where = Where(origin, server->source()) + ": [server]";
    if (t == nullptr) return Status::InvalidArgument(std::string(origin) + ": server must be a table");
    SWELL_RETURN_IF_ERROR(CheckKnownKeys(
        *t,
        {"listen", "threads", "read_timeout_seconds", "write_timeout_seconds", "keep_alive_seconds",
         "header_timeout_seconds", "body_timeout_seconds"},
        where));
    SWELL_RETURN_IF_ERROR(GetString(*t, "listen", where, &c.server.listen, false));
    int64_t v = c.server.threads;
    SWELL_RETURN_IF_ERROR(GetInt(*t, "threads", where, 1, 1024, &v));
    c.server.threads = static_cast<int>(v);
    v = c.server.read_timeout_seconds;
    SWELL_RETURN_IF_ERROR(GetInt(*t, "read_timeout_seconds", where, 1, 3600, &v));
    c.server.read_timeout_seconds = static_cast<int>(v);
    v = c.server.write_timeout_seconds;
    SWELL_RETURN_IF_ERROR(GetInt(*t, "write_timeout_seconds", where, 1, 3600, &v));
    c.server.write_timeout_seconds = static_cast<int>(v);
    v = c.server.keep_alive_seconds;
    SWELL_RETURN_IF_ERROR(GetInt(*t, "keep_alive_seconds", where, 1, 3600, &v));
    c.server.keep_alive_seconds = static_cast<int>(v);
    v = c.server.header_timeout_seconds;
    SWELL_RETURN_IF_ERROR(GetInt(*t, "header_timeout_seconds", where, 1, 3600, &v));
    c.server.header_timeout_seconds = static_cast<int>(v);
    v = c.server.body_timeout_seconds;
    SWELL_RETURN_IF_ERROR(GetInt(*t, "body_timeout_seconds", where, 1, 3600, &v));
    c.server.body_timeout_seconds = static_cast<int>(v);
  }

  if (const toml::node* limits = root.get("limits")) {
    const toml::table* t = limits->as_table();
    std::string where = Where(origin, limits->source()) + ": [limits]";
    if (t == nullptr) return Status::InvalidArgument(std::string(origin) + ": limits must be a table");
    SWELL_RETURN_IF_ERROR(CheckKnownKeys(*t,
                                         {"memory_limit", "max_body_bytes", "max_batch_body_bytes",
                                          "max_events_per_request", "max_events_per_batch_request",
                                          "max_concurrent_queries", "query_queue_seconds", "max_query_days",
                                          "max_result_series"},
                                         where));
    SWELL_RETURN_IF_ERROR(GetBytes(*t, "memory_limit", where, &c.limits.memory_limit_bytes));
    SWELL_RETURN_IF_ERROR(GetBytes(*t, "max_body_bytes", where, &c.limits.max_body_bytes));
    SWELL_RETURN_IF_ERROR(GetBytes(*t, "max_batch_body_bytes", where, &c.limits.max_batch_body_bytes));
    int64_t v = static_cast<int64_t>(c.limits.max_events_per_request);
    SWELL_RETURN_IF_ERROR(GetInt(*t, "max_events_per_request", where, 1, 10000000, &v));
    c.limits.max_events_per_request = static_cast<uint64_t>(v);
    v = static_cast<int64_t>(c.limits.max_events_per_batch_request);
    SWELL_RETURN_IF_ERROR(GetInt(*t, "max_events_per_batch_request", where, 1, 10000000, &v));
    c.limits.max_events_per_batch_request = static_cast<uint64_t>(v);
    v = c.limits.max_concurrent_queries;
    SWELL_RETURN_IF_ERROR(GetInt(*t, "max_concurrent_queries", where, 0, 1024, &v));
    c.limits.max_concurrent_queries = static_cast<int>(v);
    v = c.limits.query_queue_seconds;
    SWELL_RETURN_IF_ERROR(GetInt(*t, "query_queue_seconds", where, 0, 600, &v));
    c.limits.query_queue_seconds = static_cast<int>(v);
    SWELL_RETURN_IF_ERROR(GetInt(*t, "max_query_days", where, 1, 100 * 366, &c.limits.max_query_days));
    SWELL_RETURN_IF_ERROR(GetInt(*t, "max_result_series", where, 1, 10000000, &c.limits.max_result_series));
  }

  if (const toml::node* lake = root.get("lake")) {
    const toml::table* t = lake->as_table();
    std::string where = Where(origin, lake->source()) + ": [lake]";
    if (t == nullptr) return Status::InvalidArgument(std::string(origin) + ": lake must be a table");
    SWELL_RETURN_IF_ERROR(CheckKnownKeys(*t,
                                         {"seal_delay_seconds", "seal_interval_seconds", "raw_tier", "seal_parallel",
                                          "cache", "max_event_age_days"},
                                         where));
    SWELL_RETURN_IF_ERROR(GetInt(*t, "seal_delay_seconds", where, 0, 366 * 86400, &c.lake.seal_delay_seconds));
    SWELL_RETURN_IF_ERROR(GetInt(*t, "seal_interval_seconds", where, 1, 86400, &c.lake.seal_interval_seconds));
    SWELL_RETURN_IF_ERROR(GetBool(*t, "raw_tier", where, &c.lake.raw_tier));
    int64_t v = c.lake.seal_parallel;
    SWELL_RETURN_IF_ERROR(GetInt(*t, "seal_parallel", where, 1, 64, &v));
    c.lake.seal_parallel = static_cast<int>(v);
    if (const toml::node* n = t->get("cache"); n && n->is_string() && *n->value<std::string>() == "auto") {
      c.lake.cache_bytes = 0;
    } else {
      SWELL_RETURN_IF_ERROR(GetBytes(*t, "cache", where, &c.lake.cache_bytes));
    }
    SWELL_RETURN_IF_ERROR(GetInt(*t, "max_event_age_days", where, 0, 100 * 366, &c.lake.max_event_age_days));
  }

  if (const toml::node* query = root.get("query")) {
    const toml::table* t = query->as_table();
    std::string where = Where(origin, query->source()) + ": [query]";
    if (t == nullptr) return Status::InvalidArgument(std::string(origin) + ": query must be a table");
    SWELL_RETURN_IF_ERROR(CheckKnownKeys(*t, {"result_cache", "audience_chunk_days"}, where));
    SWELL_RETURN_IF_ERROR(GetBytes(*t, "result_cache", where, &c.query.result_cache_bytes));
    int64_t v = c.query.audience_chunk_days;
    SWELL_RETURN_IF_ERROR(GetInt(*t, "audience_chunk_days", where, 0, 100 * 366, &v));
    c.query.audience_chunk_days = static_cast<int>(v);
  }

  if (const toml::node* apps = root.get("app")) {
    const toml::array* arr = apps->as_array();
    if (arr == nullptr || !arr->is_array_of_tables()) {
      return Status::InvalidArgument(Where(origin, apps->source()) +
                                     ": app must be an array of tables: write each app as [[app]]");
    }
    for (const toml::node& node : *arr) {
      const toml::table& t = *node.as_table();
      std::string where = Where(origin, node.source()) + ": [[app]]";
      SWELL_RETURN_IF_ERROR(CheckKnownKeys(t, {"id", "ingest_key", "read_key"}, where));
      AppConfig app;
      SWELL_RETURN_IF_ERROR(GetString(t, "id", where, &app.id, true));
      where += " " + Quoted(app.id);
      SWELL_RETURN_IF_ERROR(GetString(t, "ingest_key", where, &app.ingest_key, true));
      SWELL_RETURN_IF_ERROR(GetString(t, "read_key", where, &app.read_key, true));
      c.apps.push_back(std::move(app));
    }
  }

  if (const toml::node* portfolios = root.get("portfolio")) {
    const toml::array* arr = portfolios->as_array();
    if (arr == nullptr || !arr->is_array_of_tables()) {
      return Status::InvalidArgument(Where(origin, portfolios->source()) +
                                     ": portfolio must be an array of tables: write each portfolio as [[portfolio]]");
    }
    for (const toml::node& node : *arr) {
      const toml::table& t = *node.as_table();
      std::string where = Where(origin, node.source()) + ": [[portfolio]]";
      SWELL_RETURN_IF_ERROR(CheckKnownKeys(t, {"id", "apps", "read_key"}, where));
      PortfolioConfig portfolio;
      SWELL_RETURN_IF_ERROR(GetString(t, "id", where, &portfolio.id, true));
      where += " " + Quoted(portfolio.id);
      const toml::node* apps = t.get("apps");
      if (apps == nullptr) return Status::InvalidArgument(where + ": missing apps");
      const toml::array* list = apps->as_array();
      if (list == nullptr) {
        return Status::InvalidArgument(where + ": apps must be an array of app ids, e.g. [\"web\", \"ios\"]");
      }
      for (const toml::node& app : *list) {
        auto v = app.value<std::string>();
        if (!app.is_string() || !v) return Status::InvalidArgument(where + ": apps must hold only strings (app ids)");
        portfolio.apps.push_back(*v);
      }
      SWELL_RETURN_IF_ERROR(GetString(t, "read_key", where, &portfolio.read_key, true));
      c.portfolios.push_back(std::move(portfolio));
    }
  }

  Status st = ValidateConfig(c);
  if (!st.ok()) return Status::InvalidArgument(std::string(origin) + ": " + st.message());
  *config = std::move(c);
  return Status::OK();
}

Status LoadConfigFile(const std::string& path, Config* config) {
  std::string text;
  Status st = ReadFileToString(path, &text);
  if (!st.ok()) return Status::InvalidArgument("cannot read config file: " + st.message());
  return ParseConfig(text, path, config);
}

Status ParseByteSize(std::string_view text, uint64_t* bytes) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0) return Status::InvalidArgument("byte size " + Quoted(text) + " must start with a number");
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + i, n);
  if (ec != std::errc() || p != text.data() + i) return Status::InvalidArgument("byte size " + Quoted(text) + " is too large");
  std::string unit;
  for (char c : text.substr(i)) {
    if (c != ' ') unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  uint64_t mult = 0;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "kib" || unit == "k") mult = 1ull << 10;
  else if (unit == "mib" || unit == "m") mult = 1ull << 20;
  else if (unit == "gib" || unit == "g") mult = 1ull << 30;
  else if (unit == "tib" || unit == "t") mult = 1ull << 40;
  else if (unit == "kb") mult = 1000ull;
  else if (unit == "mb") mult = 1000ull * 1000;
  else if (unit == "gb") mult = 1000ull * 1000 * 1000;
  else if (unit == "tb") mult = 1000ull * 1000 * 1000 * 1000;
  else return Status::InvalidArgument("byte size " + Quoted(text) + " has an unknown unit (use B, KiB, MiB, GiB, KB, MB, GB)");
  if (n == 0) return Status::InvalidArgument("byte size " + Quoted(text) + " must be positive");
  if (n > UINT64_MAX / mult) return Status::InvalidArgument("byte size " + Quoted(text) + " is too large");
  *bytes = n * mult;
  return Status::OK();
}

Status ParseListenAddress(std::string_view listen, std::string* host, int* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument("listen address " + Quoted(listen) + " must be HOST:PORT, e.g. 127.0.0.1:8080");
  }
  std::string_view h = listen.substr(0, colon);
  std::string_view p = listen.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  int v = -1;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || v < 0 || v > 65535) {
    return Status::InvalidArgument("listen address " + Quoted(listen) + " has an invalid port (0-65535)");
  }
  if (h.empty()) return Status::InvalidArgument("listen address " + Quoted(listen) + " has an empty host");
  *host = std::string(h);
  *port = v;
  return Status::OK();
}

}  // namespace swell::config
