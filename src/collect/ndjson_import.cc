#include "collect/ndjson_import.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <simdjson.h>

#include "collect/compressed_input.h"
#include "collect/event_parser.h"

namespace swell::collect {

namespace {

constexpr size_t kMaxReportedRejections = 100;
// Lines travel to the parser threads in chunks of about this size: large
// enough to amortize the hand-off, small enough to keep every thread busy.
constexpr size_t kChunkBytes = 1 << 20;
constexpr size_t kBufferBytes = 2 * kChunkBytes;
constexpr uint64_t kProgressEveryBytes = 4 << 20;

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string LongLineReason(size_t max_line) {
  return "line longer than " + std::to_string(max_line) + " bytes (max_line_bytes)";
}

// A run of whole lines, or the stand-in for one over-long line that the
// reader has already skipped.
struct Chunk {
  uint64_t seq = 0;
  std::unique_ptr<char[]> data;  // size bytes, then simdjson's padding
  size_t size = 0;
  size_t capacity = 0;
  bool long_line = false;
};

struct ChunkResult {
  std::vector<Event> events;
  uint64_t lines = 0;
  uint64_t rejected = 0;
  std::vector<RejectedLine> rejections;  // line numbers counted from the chunk's start
};

// Turns chunks into events; one per parsing thread (it owns a simdjson
// parser, which is not thread-safe).
class ChunkParser {
 public:
  ChunkParser(const ImportOptions& options, int64_t now_ms) : max_line_(std::max<size_t>(1, options.max_line_bytes)) {
    eopt_.limits = &options.limits;
    eopt_.min_id_length = options.limits.default_min_id_length;
    eopt_.now_ms = now_ms;
  }

  void Parse(const Chunk& c, ChunkResult* r) {
    if (c.long_line) {
      r->lines = 1;
      Reject(r, 1, LongLineReason(max_line_));
      return;
    }
    const char* p = c.data.get();
    const size_t n = c.size;
    r->events.reserve(n / 128 + 1);
    size_t pos = 0;
    uint64_t line = 0;
    while (pos < n) {
      const char* nl = static_cast<const char*>(std::memchr(p + pos, '\n', n - pos));
      const size_t stop = nl != nullptr ? static_cast<size_t>(nl - p) : n;
      line++;
      if (stop - pos > max_line_) {
        Reject(r, line, LongLineReason(max_line_));
      } else {
        Line(p + pos, stop - pos, line, r);
      }
      pos = stop + 1;
    }
    r->lines = line;
  }

 private:
  // REQUIRES: p[0, len + SIMDJSON_PADDING) is readable.
  void Line(const char* p, size_t len, uint64_t line, ChunkResult* r) {
    size_t a = 0;
    while (a < len && IsJsonSpace(p[a])) a++;
    if (a == len) return;  // blank lines are allowed
    simdjson::dom::element doc;
    // Parsed in place: the chunk carries the padding simdjson reads past the end.
    simdjson::error_code err = parser_.parse(p, len, false).get(doc);
    if (err != simdjson::SUCCESS) {
      Reject(r, line, std::string("invalid JSON: ") + simdjson::error_message(err));
      return;
    }
    problems_.clear();
    if (!ParseEvent(doc, eopt_, &r->events.emplace_back(), &problems_)) {
      r->events.pop_back();
      Reject(r, line, DescribeProblems(problems_));
    }
  }

  static void Reject(ChunkResult* r, uint64_t line, std::string reason) {
    r->rejected++;
    if (r->rejections.size() < kMaxReportedRejections) r->rejections.push_back(RejectedLine{line, std::move(reason)});
  }

  const size_t max_line_;
  EventParseOptions eopt_;
  simdjson::dom::parser parser_;
  std::vector<EventProblem> problems_;
};

class Importer {
 public:
  Importer(int64_t now_ms, const ImportOptions& options, const std::function<Status(std::vector<Event>&&)>& sink,
           ImportSummary* summary)
      : options_(options), now_ms_(now_ms), sink_(sink), summary_(summary), local_parser_(options, now_ms) {
    batch_size_ = std::max<size_t>(1, options_.batch_events);
    batch_.reserve(batch_size_);
    int threads = options_.parse_threads;
    if (threads < 0) threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 2u, 9u)) - 1;
    threads_ = std::min(threads, 64);
    max_in_flight_ = static_cast<uint64_t>(threads_) * 2 + 2;
  }

  ~Importer() { StopWorkers(); }

  Status Run(const std::string& path) {
    std::unique_ptr<CompressedInput> in;
    SWELL_RETURN_IF_ERROR(CompressedInput::Open(path, &in));
    for (int i = 0; i < threads_; i++) workers_.emplace_back([this] { WorkerLoop(); });

    const size_t max_line = std::max<size_t>(1, options_.max_line_bytes);
    // Room for the longest accepted line and its newline.
    const size_t max_cap = std::max(kBufferBytes, max_line + 2);
    size_t cap = kBufferBytes;
    std::unique_ptr<char[]> cur = NewBuffer(cap);
    size_t len = 0;
    bool eof = false;
    bool skipping = false;  // discarding the rest of an over-long line
    Status read_error;
    uint64_t last_progress = 0;

    while (sink_error_.ok()) {
      if (!eof && len < cap) {
        size_t got = 0;
        const size_t want = std::min(cap - len, std::max<size_t>(kChunkBytes > len ? kChunkBytes - len : 0, 64 << 10));
        Status s = in->Read(cur.get() + len, want, &got);
        if (!s.ok()) {
          read_error = s;
          eof = true;
        } else if (got == 0) {
          eof = true;
        }
        len += got;
        if (options_.progress && (eof || in->file_bytes_read() - last_progress >= kProgressEveryBytes)) {
          last_progress = in->file_bytes_read();
          options_.progress(last_progress, in->file_size());
        }
      }
      if (skipping) {
        char* nl = static_cast<char*>(std::memchr(cur.get(), '\n', len));
        if (nl == nullptr) {
          len = 0;  // all of it belongs to the over-long line
          if (eof) {
            if (read_error.ok()) DispatchLongLine();
            break;
          }
          continue;
        }
        DispatchLongLine();
        skipping = false;
        const size_t rest = len - static_cast<size_t>(nl + 1 - cur.get());
        std::memmove(cur.get(), nl + 1, rest);
        len = rest;
      }
      if (!eof && len < kChunkBytes) continue;  // gather a chunk's worth
      if (len == 0) {
        if (eof) break;
        continue;
      }
      char* nl = static_cast<char*>(memrchr(cur.get(), '\n', len));
      if (nl != nullptr || eof) {
        // Whole lines go out; the partial line after them starts the next
        // buffer. At the end of the data the last line needs no newline,
        // unless the data ended because the input broke.
        size_t cut = nl != nullptr ? static_cast<size_t>(nl + 1 - cur.get()) : len;
        if (!read_error.ok()) cut = nl != nullptr ? static_cast<size_t>(nl + 1 - cur.get()) : 0;
        const size_t rest = len - cut;
        const size_t next_cap = std::max(kBufferBytes, std::min(max_cap, rest * 2));
        std::unique_ptr<char[]> next = NewBuffer(next_cap);
        std::memcpy(next.get(), cur.get() + cut, rest);
        if (cut > 0) {
          Dispatch(std::move(cur), cut, cap);
        } else {
          Recycle(std::move(cur), cap);
        }
        cur = std::move(next);
        cap = next_cap;
        len = rest;
        if (eof && (rest == 0 || !read_error.ok())) break;
        continue;
      }
      // No newline anywhere in what is held.
      if (len > max_line) {
        skipping = true;  // memory stays bounded by the limit
        len = 0;
        continue;
      }
      if (len == cap) {
        const size_t new_cap = std::min(max_cap, cap * 2);
        std::unique_ptr<char[]> bigger = NewBuffer(new_cap);
        std::memcpy(bigger.get(), cur.get(), len);
        cur = std::move(bigger);
        cap = new_cap;
      }
    }

    DrainAll();
    StopWorkers();
    summary_->lines = lines_;
    if (!sink_error_.ok()) return sink_error_;
    SWELL_RETURN_IF_ERROR(Flush());
    if (!read_error.ok()) return read_error.WithContext("after line " + std::to_string(lines_));
    return Status::OK();
  }

 private:
  // Buffers and event vectors are recycled: fresh memory for every chunk
  // costs page faults that showed up as a fifth of the import's time.
  std::unique_ptr<char[]> NewBuffer(size_t cap) {
    if (cap == kBufferBytes) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!spare_buffers_.empty()) {
        std::unique_ptr<char[]> b = std::move(spare_buffers_.back());
        spare_buffers_.pop_back();
        return b;
      }
    }
    return std::unique_ptr<char[]>(new char[cap + simdjson::SIMDJSON_PADDING]);
  }

  void Recycle(std::unique_ptr<char[]> buf, size_t cap) {
    std::lock_guard<std::mutex> lock(mu_);
    RecycleLocked(std::move(buf), cap);
  }
  // REQUIRES: mu_ held.
  void RecycleLocked(std::unique_ptr<char[]> buf, size_t cap) {
    if (cap == kBufferBytes && spare_buffers_.size() < max_in_flight_ + 2) spare_buffers_.push_back(std::move(buf));
  }
  // REQUIRES: mu_ held.
  void TakeSpareEventsLocked(ChunkResult* r) {
    if (spare_events_.empty()) return;
    r->events = std::move(spare_events_.back());
    spare_events_.pop_back();
  }

  void DispatchLongLine() {
    Chunk c;
    c.long_line = true;
    Submit(std::move(c));
  }

  void Dispatch(std::unique_ptr<char[]> data, size_t size, size_t capacity) {
    Chunk c;
    c.data = std::move(data);
    c.size = size;
    c.capacity = capacity;
    Submit(std::move(c));
  }

  void Submit(Chunk c) {
    c.seq = next_seq_++;
    if (threads_ == 0) {
      ChunkResult r;
      {
        std::lock_guard<std::mutex> lock(mu_);
        TakeSpareEventsLocked(&r);
      }
      local_parser_.Parse(c, &r);
      if (c.data) Recycle(std::move(c.data), c.capacity);
      Deliver(std::move(r));
      return;
    }
    std::unique_lock<std::mutex> lock(mu_);
    work_.push_back(std::move(c));
    work_cv_.notify_one();
    // Bounded memory: wait for results once enough chunks are in flight,
    // handing finished ones to the sink meanwhile, in order.
    DeliverInOrderWhile(lock, [&] { return next_seq_ - delivered_ >= max_in_flight_ || done_.count(delivered_) > 0; });
  }

  // Waits for every submitted chunk and delivers the results in order.
  void DrainAll() {
    if (threads_ == 0) return;
    std::unique_lock<std::mutex> lock(mu_);
    DeliverInOrderWhile(lock, [&] { return delivered_ < next_seq_; });
  }

  // Hands finished chunks to the sink in submission order while more()
  // holds, waiting for the next one when it is still being parsed.
  // REQUIRES: lock holds mu_.
  template <typename Predicate>
  void DeliverInOrderWhile(std::unique_lock<std::mutex>& lock, Predicate more) {
    while (more()) {
      auto it = done_.find(delivered_);
      if (it == done_.end()) {
        done_cv_.wait(lock);
        continue;
      }
      ChunkResult r = std::move(it->second);
      done_.erase(it);
      lock.unlock();
      Deliver(std::move(r));
      lock.lock();
    }
  }

  void WorkerLoop() {
    ChunkParser parser(options_, now_ms_);
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      work_cv_.wait(lock, [this] { return stop_ || !work_.empty(); });
      if (stop_) return;
      Chunk c = std::move(work_.front());
      work_.pop_front();
      ChunkResult r;
      TakeSpareEventsLocked(&r);
      lock.unlock();
      if (!abandon_) parser.Parse(c, &r);
      lock.lock();
      if (c.data) RecycleLocked(std::move(c.data), c.capacity);
      done_.emplace(c.seq, std::move(r));
      done_cv_.notify_all();
    }
  }

  void StopWorkers() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
  }

  // Runs on the calling thread, in chunk order.
  void Deliver(ChunkResult&& r) {
    delivered_++;
    if (!sink_error_.ok()) return;
    DeliverEvents(r);
    // The moved-from events keep no memory; the vector's own is reused.
    r.events.clear();
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_events_.size() < max_in_flight_ + 2) spare_events_.push_back(std::move(r.events));
  }

  void DeliverEvents(ChunkResult& r) {
    for (RejectedLine& rej : r.rejections) {
      if (summary_->first_rejections.size() >= kMaxReportedRejections) break;
      rej.line += lines_;
      summary_->first_rejections.push_back(std::move(rej));
    }
    summary_->rejected += r.rejected;
    lines_ += r.lines;
    for (Event& e : r.events) {
      batch_.push_back(std::move(e));
      if (batch_.size() >= batch_size_) {
        Status s = Flush();
        if (!s.ok()) {
          sink_error_ = s;
          abandon_ = true;  // the workers skip what is still queued
          return;
        }
      }
    }
  }

  Status Flush() {
    if (batch_.empty()) return Status::OK();
    const size_t n = batch_.size();
    std::vector<Event> out;
    out.swap(batch_);
    batch_.reserve(batch_size_);
    SWELL_RETURN_IF_ERROR(sink_(std::move(out)));
    summary_->events += n;
    return Status::OK();
  }

  const ImportOptions& options_;
  const int64_t now_ms_;
  const std::function<Status(std::vector<Event>&&)>& sink_;
  ImportSummary* summary_;
  ChunkParser local_parser_;  // used when parsing on the calling thread
  int threads_ = 0;  // 0: parse on the calling thread
  uint64_t max_in_flight_ = 4;
  size_t batch_size_ = 1;
  std::vector<Event> batch_;
  uint64_t lines_ = 0;
  Status sink_error_;

  // Chunk sequence numbers: next_seq_ submitted so far, delivered_ handed on.
  uint64_t next_seq_ = 0;
  uint64_t delivered_ = 0;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<Chunk> work_;
  std::map<uint64_t, ChunkResult> done_;
  bool stop_ = false;
  std::atomic<bool> abandon_{false};
  std::vector<std::unique_ptr<char[]>> spare_buffers_;
  std::vector<std::vector<Event>> spare_events_;
  std::vector<std::thread> workers_;
};

}  // namespace

Status ImportNdjson(const std::string& path, int64_t now_ms, const ImportOptions& options,
                    const std::function<Status(std::vector<Event>&& batch)>& sink, ImportSummary* summary) {
  *summary = ImportSummary();
  Importer importer(now_ms, options, sink, summary);
  return importer.Run(path);
}

void ParseNdjsonBuffer(std::string_view data, int64_t now_ms, const ImportOptions& options,
                       std::vector<Event>* events, ImportSummary* summary) {
  *summary = ImportSummary();
  Chunk c;
  // The parser reads up to SIMDJSON_PADDING bytes past each line.
  c.data.reset(new char[data.size() + simdjson::SIMDJSON_PADDING]());
  if (!data.empty()) std::memcpy(c.data.get(), data.data(), data.size());
  c.size = data.size();
  c.capacity = data.size();
  ChunkResult r;
  ChunkParser(options, now_ms).Parse(c, &r);
  summary->lines = r.lines;
  summary->events = r.events.size();
  summary->rejected = r.rejected;
  summary->first_rejections = std::move(r.rejections);
  events->insert(events->end(), std::make_move_iterator(r.events.begin()), std::make_move_iterator(r.events.end()));
}

}  // namespace swell::collect
