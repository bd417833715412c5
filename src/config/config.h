// Server configuration: the apps Swell accepts events for (each with an ingest
// key and a read key), the portfolios (a read key for audiences across
// several apps) and the server's limits. Read from a TOML file
// (docs/operations.md, "Configuration file"), or made up of the one `default`
// app whose keys live in the data directory (key_store.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swell::config {

struct AppConfig {
  std::string id;          // 1-64 chars of [A-Za-z0-9_-]; names a folder under DATA/
  std::string ingest_key;  // the Amplitude api_key: write only
  std::string read_key;    // Authorization: Bearer <read_key>: read only, this app only
};

// A portfolio: one read key for audiences across several apps (Amplitude's
// cross-project portfolios). It has no ingest key and reads nothing but
// POST /api/v1/audience (docs/api.md "Portfolios").
struct PortfolioConfig {
  std::string id;                 // the rules of an app id; unique among portfolios
  std::vector<std::string> apps;  // 1+ ids of configured apps, no repeats
  std::string read_key;           // Authorization: Bearer <read_key>; distinct from every other key
};

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free port
  int threads = 64;                       // HTTP worker threads; concurrent requests share fsyncs
  int read_timeout_seconds = 30;
  int write_timeout_seconds = 30;
  int keep_alive_seconds = 5;
  // A slow client must not hold a worker: the request line and headers must
  // arrive within header_timeout_seconds of the connection's accept (or of
  // its previous response plus keep_alive_seconds), and the body within
  // body_timeout_seconds of the headers; the connection is closed otherwise.
  int header_timeout_seconds = 10;
  int body_timeout_seconds = 60;
};

struct LimitsConfig {
  uint64_t memory_limit_bytes = 4ull << 30;       // speed layer bound (429 above)
  uint64_t max_body_bytes = 1ull << 20;           // POST /2/httpapi, compressed and decompressed
  uint64_t max_batch_body_bytes = 20ull << 20;    // POST /batch
  uint64_t max_events_per_request = 2000;         // POST /2/httpapi
  uint64_t max_events_per_batch_request = 100000; // POST /batch
  // Queries run at once; 0: the machine's hardware threads (at least 2).
  // Queries over it wait up to query_queue_seconds for a slot (at most twice
  // as many as run wait), then get 429 with Retry-After. Ingest is not
  // counted: it must never wait behind a dashboard.
  int max_concurrent_queries = 0;
  int query_queue_seconds = 2;
  int64_t max_query_days = 3660;      // from..to of a query (each audience leaf)
  int64_t max_result_series = 1000;   // segmentation series per event without "limit"
};

// The batch layer: when the speed layer's events are sealed into the lake.
struct LakeConfig {
  int64_t seal_delay_seconds = 3600;   // a UTC day is sealed once an hour of it has been closed this long
  int64_t seal_interval_seconds = 60;  // how often `swell serve` looks for something to seal
  bool raw_tier = false;               // also keep raw/ NDJSON of what is sealed
  int seal_parallel = 1;               // days a seal builds at once
  // Lake partitions kept loaded for queries; 0: a quarter of the machine's
  // memory (at least 1 GiB).
  uint64_t cache_bytes = 0;
  // Events older than this (by event time, at arrival) are refused; 0 = any age.
  int64_t max_event_age_days = 0;
};

// Queries: what audiences reuse (docs/queries.md "How an audience is planned").
struct QueryConfig {
  uint64_t result_cache_bytes = 256ull << 20;  // audience chunk results kept; 0: none
  int audience_chunk_days = 60;                // UTC days per chunk; 0: leaves are not split
};

struct Config {
  ServerConfig server;
  LimitsConfig limits;
  LakeConfig lake;
  QueryConfig query;
  std::vector<AppConfig> apps;
  std::vector<PortfolioConfig> portfolios;

  // The app with this id, or nullptr.
  const AppConfig* FindApp(std::string_view id) const;
  // The portfolio with this id, or nullptr.
  const PortfolioConfig* FindPortfolio(std::string_view id) const;
};

inline constexpr size_t kMaxAppIdLength = 64;
inline constexpr size_t kMinKeyLength = 16;
inline constexpr size_t kMaxKeyLength = 256;

// OK when id is a valid app id: 1-64 characters of [A-Za-z0-9_-]. App ids
// become directory names, so anything path-like ("..", "a/b", ".") is refused.
Status ValidateAppId(std::string_view id);
// OK when key is a usable key: 16-256 characters of [A-Za-z0-9._~+/=-] (it is
// sent in headers and JSON, so no spaces or quotes).
Status ValidateKey(std::string_view key);
// Checks every rule across apps and portfolios: at least one app, valid and
// unique ids, valid keys, every key (ingest and read, across all apps and
// portfolios) distinct, every portfolio listing 1+ configured apps without
// repeats, and sane limits. Error messages name the app or portfolio.
Status ValidateConfig(const Config& config);

// Parses TOML text. Unknown tables and keys are errors (a typo must not
// silently fall back to a default). origin names the file in messages.
Status ParseConfig(std::string_view toml_text, std::string_view origin, Config* config);
// Reads and parses the file at path.
Status LoadConfigFile(const std::string& path, Config* config);

// Parses "4GiB", "512MiB", "100MB", "1048576" into bytes.
Status ParseByteSize(std::string_view text, uint64_t* bytes);

// Splits "HOST:PORT" ("[::1]:8080" for IPv6) into its parts.
Status ParseListenAddress(std::string_view listen, std::string* host, int* port);

}  // namespace swell::config
