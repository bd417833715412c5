// Reading a request body under a size limit that bounds both the bytes on the
// wire and the decompressed bytes (a 1 MiB gzip body can inflate to 1 GiB).
// cpp-httplib 0.11.4 inflates gzip bodies itself with no limit on the output,
// so bodies are read raw and inflated here, stopping at the limit.
#pragma once

#include <httplib.h>

#include <cstdint>
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

}  // namespace swell::serve
