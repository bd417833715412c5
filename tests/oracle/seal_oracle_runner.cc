// Drives an Engine through the lambda lifecycle at random (from a seed) and
// prints the answers to a list of requests at checkpoints, for the DuckDB
// oracle (seal_boundary.mjs) to check: the answers must not depend on where
// the seal boundary lies, on restarts or on rebuilds from the raw tier.
//
// Usage: seal_oracle_runner EVENTS.ndjson REQUESTS.json SEED DATA_DIR
//   EVENTS.ndjson: the event lines of oracle_event_json.h, in arrival order;
//   DATA_DIR: must not exist; the engine's data directory, left in place
//   (with its lake) for the caller to inspect and remove.
//
// The run: the events are cut into phases; each phase ingests its events in
// batches of random size, with random seals in between (SealDays of a random
// UTC day range, SealClosed with a random cut), and ends with random actions
// (seal, restart, RebuildFromRaw when the raw tier is on) and a checkpoint.
// So late events (event time in a sealed day) and repeats of sealed
// insert_ids arrive after seals. One checkpoint answers from threads while a
// seal runs ("during-seal"), and one phase is ingested while a seal runs.
// At the end everything is sealed, the engine restarted, and the lake swept
// of files the current version does not list (then restarted once more).
//
// Output, one JSON object a line:
//   {"action": "...", ...}                                   what was done
//   {"checkpoint": C, "ingested": N, "names": RESPONSE}      GET /api/v1/events
//   {"checkpoint": C, "ingested": N, "request": i, "ok": RESPONSE | "error": "..."}
// A request with a "tree" key is an audience request (POST /api/v1/audience,
// audience.mjs), one with "steps" a funnel (funnel.mjs), one with "start" a
// retention (retention.mjs), any other a segmentation.
//   {"done": true, "lake": DIR, "raw_tier": b, "speed_events": n, ...}
// N is the number of event lines ingested so far (a prefix of the file).
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "lake/manifest.h"
#include "oracle_event_json.h"
#include "util/file_util.h"
#include "util/json_writer.h"

namespace swell {
namespace {

constexpr char kApp[] = "oracle-app.1";
constexpr int64_t kDayMs = 86'400'000;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

[[noreturn]] void Die(const std::string& what, const Status& st) {
  std::cout.flush();
  std::cerr << what << ": " << st.ToString() << "\n";
  std::exit(2);
}

class Runner {
 public:
  Runner(std::vector<Event> events, std::vector<std::string> requests, uint64_t seed, std::string data_dir)
      : events_(std::move(events)), requests_(std::move(requests)), rng_(seed) {
    options_.data_dir = std::move(data_dir);
    options_.raw_tier = Chance(0.6);
    options_.seal_parallel = static_cast<int>(Uniform(1, 3));
    options_.wal_segment_bytes = Chance(0.5) ? 8192 : (1 << 20);  // many segments, so trimming shows
    options_.sync = false;  // durability is not under test here; speed is
    // Audience chunks from a day (every midnight an edge) to the default,
    // and a result cache from none through one that must evict to the
    // default: answers must not depend on either.
    options_.query.audience_chunk_days = Chance(0.5) ? 1 : static_cast<int>(Uniform(2, 60));
    options_.query.result_cache_bytes = Chance(0.3) ? 0 : Chance(0.5) ? (64u << 10) : (256u << 20);
  }

  void Run() {
    Open();
    JsonWriter w;
    w.BeginObject().Key("action").String("open").Key("raw_tier").Bool(options_.raw_tier)
        .Key("seal_parallel").Int(options_.seal_parallel).Key("wal_segment_bytes").Uint(options_.wal_segment_bytes)
        .Key("audience_chunk_days").Int(options_.query.audience_chunk_days)
        .Key("result_cache_bytes").Uint(options_.query.result_cache_bytes)
        .EndObject();
    Print(w.str());

    // Phase boundaries: 5..8 phases of random lengths.
    const size_t phases = Uniform(5, 8);
    std::vector<size_t> cuts;
    for (size_t i = 1; i < phases; ++i) cuts.push_back(Uniform(0, events_.size()));
    cuts.push_back(events_.size());
    std::sort(cuts.begin(), cuts.end());
    const size_t mid_seal_phase = Uniform(1, phases - 1);
    const size_t ingest_during_seal_phase = Uniform(1, phases - 1);

    for (size_t p = 0; p < phases; ++p) {
      if (p == ingest_during_seal_phase) {
        // This phase's events arrive while a seal of everything held runs:
        // rows applied after the seal's cut must stay in the speed layer
        // (and after a restart), the others move to the lake.
        std::atomic<bool> sealing{true};
        std::thread sealer([this, &sealing] {
          seal::SealStats s;
          Status st = engine_->SealClosed(INT64_MAX, &s);
          sealing.store(false);
          if (!st.ok()) Die("seal during ingest", st);
          std::lock_guard lock(print_mu_);
          ++seals_;
          commits_ += s.commits;
          JsonWriter w;
          w.BeginObject().Key("action").String("seal_closed_during_ingest").Key("partitions").Uint(s.partitions)
              .Key("events_sealed").Uint(s.events_sealed).Key("evicted").Uint(s.evicted).EndObject();
          Print(w.str());
        });
        uint64_t overlapping = 0;
        while (ingested_ < cuts[p]) {
          size_t n = std::min(cuts[p] - ingested_, Uniform(1, 20));
          {
            std::lock_guard lock(print_mu_);
            IngestNext(n);
          }
          if (sealing.load()) {
            ++overlapping;
            // Spread the batches over the seal.
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
          }
        }
        sealer.join();
        JsonWriter o;
        o.BeginObject().Key("action").String("ingest_during_seal").Key("ingested").Uint(ingested_)
            .Key("batches_while_sealing").Uint(overlapping).EndObject();
        Print(o.str());
      }
      // Ingest in batches, with seals between some of them.
      while (ingested_ < cuts[p]) {
        size_t n = std::min(cuts[p] - ingested_, Uniform(1, Chance(0.2) ? 300 : 40));
        IngestNext(n);
        if (Chance(0.04)) RandomSeal();
      }
      const std::string name = "phase" + std::to_string(p);
      if (p == mid_seal_phase) {
        Checkpoint(name + "-before-concurrent-seal");
        MidSealCheckpoint(name + "-during-seal");
      }
      // End-of-phase actions.
      const size_t actions = Uniform(0, 3);
      for (size_t a = 0; a < actions; ++a) {
        double r = Unit();
        if (r < 0.45) RandomSeal();
        else if (r < 0.75) Restart();
        else Rebuild();
      }
      Checkpoint(name);
    }

    // The final seal of everything, a checkpoint, a restart, another.
    Seal("seal_closed", [&](seal::SealStats* s) { return engine_->SealClosed(INT64_MAX, s); }, "INT64_MAX");
    if (engine_->stats().speed.events != 0) {
      std::cerr << "after sealing everything the speed layer still holds " << engine_->stats().speed.events
                << " events\n";
      std::exit(3);
    }
    Checkpoint("final-sealed");
    Rebuild();
    Restart();
    Checkpoint("final-restarted");
    // Only the current version's files stay, so a glob of the lake sees
    // exactly what the manifest lists.
    // Before the sweep: events files on disk (superseded ones included)
    // against those the current version lists.
    uint64_t on_disk = 0, listed = 0;
    // No lake/events directory at all when nothing was ever sealed.
    const std::string events_dir = options_.data_dir + "/lake/events";
    if (std::filesystem::exists(events_dir))
      for (const auto& entry : std::filesystem::recursive_directory_iterator(events_dir))
        if (entry.is_regular_file() && entry.path().extension() == ".parquet") ++on_disk;
    for (const lake::LakeFile& f : engine_->lake_snapshot()->files) listed += f.kind == lake::FileKind::kEvents;
    lake::SweepOptions sweep;
    sweep.min_age_ms = 0;
    sweep.retain_versions = 1;
    lake::SweepStats sweep_stats;
    Status st = lake::Manifest::SweepOrphans(engine_->lake_storage(), *engine_->lake_snapshot(), sweep, &sweep_stats);
    if (!st.ok()) Die("sweep", st);
    {
      JsonWriter a;
      a.BeginObject().Key("action").String("sweep").Key("events_files_on_disk_before").Uint(on_disk)
          .Key("events_files_listed").Uint(listed).Key("deleted_files").Int(sweep_stats.deleted_files)
          .Key("deleted_versions").Int(sweep_stats.deleted_versions).EndObject();
      Print(a.str());
    }
    // The lake as swept serves the same answers.
    Restart();
    Checkpoint("after-sweep");
    EngineStats stats = engine_->stats();
    JsonWriter d;
    d.BeginObject()
        .Key("done").Bool(true)
        .Key("lake").String(options_.data_dir + "/lake")
        .Key("app").String(kApp)
        .Key("raw_tier").Bool(options_.raw_tier)
        .Key("speed_events").Uint(stats.speed.events)
        .Key("lake_version").Uint(stats.lake_version)
        .Key("lake_files").Uint(stats.lake_files)
        .Key("seals").Uint(seals_)
        .Key("commits").Uint(commits_)
        .Key("restarts").Uint(restarts_)
        .Key("rebuilds").Uint(rebuilds_)
        .Key("mid_seal_rounds").Uint(mid_seal_rounds_)
        .EndObject();
    Print(d.str());
    engine_.reset();
  }

 private:
  bool Chance(double p) { return Unit() < p; }
  double Unit() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  size_t Uniform(size_t lo, size_t hi) { return std::uniform_int_distribution<size_t>(lo, hi)(rng_); }

  void Print(const std::string& line) { std::cout << line << "\n"; }

  void Open() {
    Status st = Engine::Open(options_, &engine_);
    if (!st.ok()) Die("open", st);
  }

  void Restart() {
    engine_.reset();
    Open();
    ++restarts_;
    EngineStats s = engine_->stats();
    JsonWriter w;
    w.BeginObject().Key("action").String("restart").Key("replayed_records").Uint(s.replayed_records)
        .Key("replayed_sealed").Uint(s.replayed_sealed).Key("held").Uint(s.speed.events).EndObject();
    Print(w.str());
  }

  void IngestNext(size_t n) {
    std::vector<Event> batch(events_.begin() + ingested_, events_.begin() + ingested_ + n);
    for (const Event& e : batch) days_.insert(static_cast<int32_t>(FloorDiv(e.time_ms, kDayMs)));
    IngestResult r;
    Status st = engine_->Ingest(kApp, std::move(batch), &r);
    if (!st.ok()) Die("ingest", st);
    ingested_ += n;
    duplicates_ += r.duplicates;
  }

  template <typename F>
  void Seal(const char* kind, F&& f, const std::string& what) {
    seal::SealStats s;
    Status st = f(&s);
    if (!st.ok()) Die(std::string(kind) + " " + what, st);
    ++seals_;
    commits_ += s.commits;
    JsonWriter w;
    w.BeginObject().Key("action").String(kind).Key("range").String(what).Key("ingested").Uint(ingested_)
        .Key("partitions").Uint(s.partitions).Key("events_sealed").Uint(s.events_sealed)
        .Key("events_written").Uint(s.events_written).Key("evicted").Uint(s.evicted).EndObject();
    Print(w.str());
  }

  int32_t RandomDay() {
    if (days_.empty()) return 0;
    auto it = days_.begin();
    std::advance(it, Uniform(0, days_.size() - 1));
    return *it;
  }

  void RandomSeal() {
    if (days_.empty()) return;
    if (Chance(0.35)) {
      // Everything closed before a random cut: an event time, maybe on the hour.
      int64_t cut = events_[Uniform(0, ingested_ - 1)].time_ms;
      if (Chance(0.5)) cut = FloorDiv(cut, 3'600'000) * 3'600'000;  // on the hour
      Seal("seal_closed", [&](seal::SealStats* s) { return engine_->SealClosed(cut, s); }, std::to_string(cut));
      return;
    }
    int32_t d = RandomDay();
    int32_t first = d - static_cast<int32_t>(Chance(0.5) ? 0 : Uniform(0, 3));
    int32_t last = d + static_cast<int32_t>(Chance(0.5) ? 0 : Uniform(0, Chance(0.2) ? 400 : 3));
    Seal("seal_days", [&](seal::SealStats* s) { return engine_->SealDays(kApp, first, last, s); },
         lake::DateString(first) + ".." + lake::DateString(last));
  }

  void Rebuild() {
    if (!options_.raw_tier) return;
    int32_t first, last;
    if (Chance(0.2)) {
      first = -719'528;  // 0000-01-01
      last = 2'932'896;  // 9999-12-31
    } else {
      int32_t d = RandomDay();
      first = d - static_cast<int32_t>(Uniform(0, 2));
      last = d + static_cast<int32_t>(Uniform(0, 2));
    }
    ++rebuilds_;
    Seal("rebuild_from_raw", [&](seal::SealStats* s) { return engine_->RebuildFromRaw(kApp, first, last, s); },
         lake::DateString(first) + ".." + lake::DateString(last));
  }

  // The query type is told by a top-level key: "tree" an audience
  // (audience.mjs), "steps" a funnel (funnel.mjs), "start" a retention
  // (retention.mjs), anything else a segmentation.
  Status Ask(const std::string& request, std::string* response) {
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    query::QueryService* q = engine_->queries();
    if (parser.parse(request).get_object().get(obj) == simdjson::SUCCESS) {
      if (obj["tree"].error() == simdjson::SUCCESS) return q->Audience(kApp, request, response);
      if (obj["steps"].error() == simdjson::SUCCESS) return q->Funnel(kApp, request, response);
      if (obj["start"].error() == simdjson::SUCCESS) return q->Retention(kApp, request, response);
    }
    return q->Segmentation(kApp, request, response);
  }

  // One answer line per request; the names line first.
  std::vector<std::string> Answers() {
    std::vector<std::string> out;
    std::string response;
    Status st = engine_->queries()->EventNames(kApp, &response);
    out.push_back(st.ok() ? response : "!" + st.ToString());
    for (const std::string& r : requests_) {
      st = Ask(r, &response);
      out.push_back(st.ok() ? response : "!" + st.ToString());
    }
    return out;
  }

  void PrintAnswer(const std::string& checkpoint, int index, const std::string& answer) {
    JsonWriter w;
    w.BeginObject().Key("checkpoint").String(checkpoint).Key("ingested").Uint(ingested_);
    if (index < 0) w.Key("names");
    else w.Key("request").Int(index).Key(answer[0] == '!' ? "error" : "ok");
    if (answer[0] == '!') w.String(answer.substr(1));
    else w.Raw(answer);
    w.EndObject();
    Print(w.str());
  }

  void Checkpoint(const std::string& name) {
    std::vector<std::string> answers = Answers();
    for (size_t i = 0; i < answers.size(); ++i) PrintAnswer(name, static_cast<int>(i) - 1, answers[i]);
  }

  // Queries in threads while a seal of everything held runs: every distinct
  // answer any thread saw is printed (the oracle checks each).
  void MidSealCheckpoint(const std::string& name) {
    constexpr int kThreads = 2;
    std::atomic<bool> seal_done{false};
    std::atomic<int> started{0};
    std::mutex mu;
    std::vector<std::set<std::string>> seen(requests_.size() + 1);
    std::atomic<uint64_t> rounds{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        size_t i = static_cast<size_t>(t) * 7;  // threads start at different requests
        bool counted = false;
        for (int after = 0; after < 1;) {
          if (!counted) {
            started.fetch_add(1);
            counted = true;
          }
          std::string response;
          const size_t k = i % (requests_.size() + 1);
          Status st = k == 0 ? engine_->queries()->EventNames(kApp, &response)
                             : Ask(requests_[k - 1], &response);
          std::string answer = st.ok() ? response : "!" + st.ToString();
          {
            std::lock_guard lock(mu);
            seen[k].insert(std::move(answer));
          }
          ++i;
          // Leave the seal most of the CPU: queries overlap it all along
          // without starving it.
          std::this_thread::sleep_for(std::chrono::microseconds(500));
          if (i % (requests_.size() + 1) == static_cast<size_t>(t) * 7 % (requests_.size() + 1)) {
            rounds.fetch_add(1);
            if (seal_done.load()) ++after;  // a whole round after the seal
          }
        }
      });
    }
    while (started.load() < kThreads) std::this_thread::yield();
    uint64_t commits_before = commits_;
    Seal("seal_closed_mid_query", [&](seal::SealStats* s) { return engine_->SealClosed(INT64_MAX, s); },
         "INT64_MAX");
    if (options_.raw_tier) {
      // And partitions rewritten from the raw tier, version by version: all
      // of them when the seal had nothing to do, else a few days.
      int32_t first = -719'528, last = 2'932'896;  // 0000-01-01..9999-12-31
      if (commits_ != commits_before) {
        first = RandomDay() - static_cast<int32_t>(Uniform(0, 3));
        last = first + static_cast<int32_t>(Uniform(0, 6));
      }
      ++rebuilds_;
      Seal("rebuild_from_raw_mid_query",
           [&](seal::SealStats* s) { return engine_->RebuildFromRaw(kApp, first, last, s); },
           lake::DateString(first) + ".." + lake::DateString(last));
    }
    seal_done.store(true);
    for (auto& th : threads) th.join();
    mid_seal_rounds_ += rounds.load();
    for (size_t k = 0; k < seen.size(); ++k)
      for (const std::string& a : seen[k]) PrintAnswer(name, static_cast<int>(k) - 1, a);
  }

  std::mutex print_mu_;  // the seal thread's output line vs the ingest loop
  std::vector<Event> events_;
  std::vector<std::string> requests_;
  std::mt19937_64 rng_;
  EngineOptions options_;
  std::unique_ptr<Engine> engine_;
  size_t ingested_ = 0;
  uint64_t duplicates_ = 0;
  std::set<int32_t> days_;
  uint64_t seals_ = 0, commits_ = 0, restarts_ = 0, rebuilds_ = 0, mid_seal_rounds_ = 0;
};

int Main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s EVENTS.ndjson REQUESTS.json SEED DATA_DIR\n", argv[0]);
    return 2;
  }
  std::string events_text, requests_text;
  Status st = ReadFileToString(argv[1], &events_text);
  if (st.ok()) st = ReadFileToString(argv[2], &requests_text);
  if (!st.ok()) Die("read", st);
  if (std::filesystem::exists(argv[4])) {
    std::fprintf(stderr, "%s exists\n", argv[4]);
    return 2;
  }
  simdjson::dom::parser parser;
  std::vector<Event> events;
  size_t pos = 0, line_no = 0;
  while (pos < events_text.size()) {
    size_t end = events_text.find('\n', pos);
    if (end == std::string::npos) end = events_text.size();
    std::string_view line(events_text.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    simdjson::dom::element doc;
    Event e;
    if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS || !oracle::ParseEvent(doc, &e).ok()) {
      std::fprintf(stderr, "events line %zu is malformed\n", line_no);
      return 2;
    }
    events.push_back(std::move(e));
  }
  simdjson::dom::parser request_parser;
  simdjson::dom::array array;
  if (request_parser.parse(requests_text).get_array().get(array) != simdjson::SUCCESS) {
    std::fprintf(stderr, "requests file must hold a JSON array\n");
    return 2;
  }
  std::vector<std::string> requests;
  for (simdjson::dom::element r : array) requests.push_back(simdjson::minify(r));
  Runner runner(std::move(events), std::move(requests), std::stoull(argv[3]), argv[4]);
  runner.Run();
  return 0;
}

}  // namespace
}  // namespace swell

int main(int argc, char** argv) { return swell::Main(argc, argv); }
