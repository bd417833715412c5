// Reading a request body under a size limit that bounds both the bytes on the
// wire and the decompressed bytes (a 1 MiB gzip body can inflate to 1 GiB).
// cpp-httplib 0.11.4 inflates gzip bodies itself with no limit on the output,
// so bodies are read raw and inflated here, stopping at the limit.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace swell::serve {

struct BodyResult {
  enum class Outcome {
    kOk,
    kTooLarge,            // over the limit, on the wire or decompressed: 413
    kBadEncoding,         // corrupt gzip/deflate data: 400
    kUnsupportedEncoding, // a Content-Encoding other than gzip, deflate, identity: 415
    kReadFailed,          // the client went away or timed out
  };
  Outcome outcome = Outcome::kOk;
  bool timed_out = false;  // kReadFailed because the body's deadline passed (408)
  std::string message;     // for errors
  bool drained = true;     // false when unread bytes remain (the connection must close)
  uint64_t wire_bytes = 0; // bytes received
};

// Reads the body of req into *body, decompressing Content-Encoding gzip or
// deflate, refusing more than limit bytes before or after decompression.
// After a refusal it keeps reading (and discarding, without decompressing) up
// to drain_limit wire bytes so a keep-alive connection stays usable and the
// client sees the response rather than a reset.
BodyResult ReadRequestBody(const httplib::Request& req, const httplib::ContentReader& reader, uint64_t limit,
                           uint64_t drain_limit, std::string* body);

// When the body of the request a thread serves must have arrived. httplib's
// read timeout applies to each recv, so a client sending a byte every few
// seconds would hold a worker for ever; the server sets this when the
// request's headers have arrived, on the thread that serves it.
struct BodyDeadline {
  std::chrono::steady_clock::time_point at = std::chrono::steady_clock::time_point::max();
  std::function<void(bool timed_out)> done;  // called once the body is read, however that ended
};
// The next ReadRequestBody on this thread stops reading past deadline.at
// (kReadFailed with timed_out) and then calls deadline.done(timed_out).
void SetBodyDeadline(BodyDeadline deadline);
// Whether the last ReadRequestBody on this thread timed out; clears it.
bool TakeBodyTimedOut();

}  // namespace swell::serve
