// libFuzzer target: any byte string as an NDJSON import. Parsed as one
// buffer (ParseNdjsonBuffer, the per-chunk line parser of ImportNdjson) and
// imported as a file (ImportNdjson, which also decompresses gzip and zstd by
// their magic bytes), it must give accepted events that keep Swell's
// invariants and survive the WAL codec, rejections with a reason and a line
// number that exists, and, for plain bytes, the same outcome both ways.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "collect/event_parser.h"
#include "collect/ndjson_import.h"
#include "event/event_codec.h"

namespace {

using namespace swell;
using namespace swell::collect;

constexpr int64_t kNowMs = 1764000000000;

void CheckEvent(const Event& e) {
  if (e.event_type.empty() || (e.user_id.empty() && e.device_id.empty())) std::abort();
  if (e.arrival_ms != kNowMs || e.time_ms < 0 || e.time_ms > kMaxEventTimeMs) std::abort();
  // What ingest accepts must come back from the write-ahead log unchanged.
  std::string bytes;
  EncodeEvent(e, &bytes);
  std::string_view in(bytes);
  Event back;
  if (!DecodeEvent(&in, &back).ok() || !in.empty() || !(back == e)) std::abort();
}

void CheckSummary(const ImportSummary& s, size_t events) {
  if (s.events != events || s.events + s.rejected > s.lines) std::abort();
  if (s.first_rejections.size() != std::min<uint64_t>(s.rejected, 100)) std::abort();
  for (const RejectedLine& r : s.first_rejections) {
    if (r.line < 1 || r.line > s.lines || r.reason.empty()) std::abort();
  }
}

// The file the import reads: made once per process and unlinked at once
// (libFuzzer ends a run without exit handlers), then reached through
// /proc/self/fd.
int ScratchFd() {
  static const int fd = [] {
    const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string p = std::string(dir) + "/swell-ndjson-fuzz-XXXXXX";
    int f = mkstemp(p.data());
    if (f < 0) std::abort();
    unlink(p.c_str());
    return f;
  }();
  return fd;
}

std::string ScratchPath() { return "/proc/self/fd/" + std::to_string(ScratchFd()); }

bool WriteScratch(std::string_view data) {
  const int fd = ScratchFd();
  if (ftruncate(fd, 0) != 0) return false;
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(done));
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ImportOptions options;
  options.parse_threads = 0;
  options.batch_events = 7;  // several sink calls for a handful of lines
  options.max_line_bytes = 4096;
  options.limits.max_property_value_bytes = 256;

  std::vector<Event> events;
  ImportSummary buffered;
  ParseNdjsonBuffer(bytes, kNowMs, options, &events, &buffered);
  CheckSummary(buffered, events.size());
  // Lines: every newline ends one, and trailing bytes without one make one more.
  uint64_t lines = 0;
  for (char c : bytes) lines += c == '\n';
  if (!bytes.empty() && bytes.back() != '\n') lines++;
  if (buffered.lines != lines) std::abort();
  for (const Event& e : events) CheckEvent(e);

  const bool compressed = (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) ||
                          (size >= 4 && std::memcmp(data, "\x28\xb5\x2f\xfd", 4) == 0);
  // A file import allocates MiB-sized buffers, which under ASan made every
  // run five times slower: plain inputs take that path one time in eight
  // (chosen by size, so that a replay takes the same path), compressed ones
  // always.
  if (!compressed && size % 8 != 0) return 0;
  if (!WriteScratch(bytes)) return 0;
  std::vector<Event> imported;
  ImportSummary summary;
  Status s = ImportNdjson(ScratchPath(), kNowMs, options,
                          [&](std::vector<Event>&& batch) {
                            if (batch.empty() || batch.size() > options.batch_events) std::abort();
                            for (Event& e : batch) imported.push_back(std::move(e));
                            return Status::OK();
                          },
                          &summary);
  CheckSummary(summary, imported.size());
  for (const Event& e : imported) CheckEvent(e);
  if (!compressed) {
    // Plain bytes: reading them from a file changes nothing.
    if (!s.ok() || summary.lines != buffered.lines || summary.rejected != buffered.rejected ||
        imported != events)
      std::abort();
    for (size_t i = 0; i < summary.first_rejections.size(); ++i) {
      if (summary.first_rejections[i].line != buffered.first_rejections[i].line ||
          summary.first_rejections[i].reason != buffered.first_rejections[i].reason)
        std::abort();
    }
  }
  return 0;
}
