#include "serve/request_body.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace swell::serve {

namespace {

std::string Lower(std::string s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\t') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Streaming inflate of gzip or zlib data whose output stops at a limit.
class Inflater {
 public:
  Inflater() {
    // 15 + 32: accept both gzip and zlib headers; HTTP "deflate" is zlib data.
    ok_ = inflateInit2(&zs_, 15 + 32) == Z_OK;
  }
  ~Inflater() {
    if (ok_) inflateEnd(&zs_);
  }
  bool ok() const { return ok_; }
  bool finished() const { return finished_; }

  // Inflates n bytes into *out. Returns false on corrupt data (sets
  // *corrupt) or when out would pass limit (sets *over).
  bool Feed(const char* data, size_t n, uint64_t limit, std::string* out, bool* corrupt, bool* over) {
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    zs_.avail_in = static_cast<uInt>(n);
    char buf[64 << 10];
    while (zs_.avail_in > 0 || !finished_) {
      if (finished_) {
        // Data after the end of the stream: concatenated gzip members are
        // legal (RFC 1952); start the next one.
        if (inflateReset(&zs_) != Z_OK) {
          *corrupt = true;
          return false;
        }
        finished_ = false;
      }
      zs_.next_out = reinterpret_cast<Bytef*>(buf);
      zs_.avail_out = sizeof buf;
      int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        *corrupt = true;
        return false;
      }
      size_t produced = sizeof buf - zs_.avail_out;
      if (out->size() + produced > limit) {
        *over = true;
        return false;
      }
      out->append(buf, produced);
      if (rc == Z_STREAM_END) finished_ = true;
      if (rc == Z_BUF_ERROR || (produced == 0 && zs_.avail_in == 0)) break;
    }
    return true;
  }

 private:
  z_stream zs_{};
  bool ok_ = false;
  bool finished_ = false;
};

// A worker serves one request at a time, so the request's deadline can live
// in thread-locals.
thread_local BodyDeadline t_deadline;
thread_local bool t_timed_out = false;

BodyResult ReadBody(const httplib::Request& req, const httplib::ContentReader& reader, uint64_t limit,
                    uint64_t drain_limit, std::chrono::steady_clock::time_point deadline, std::string* body);

}  // namespace

void SetBodyDeadline(BodyDeadline deadline) { t_deadline = std::move(deadline); }

bool TakeBodyTimedOut() {
  bool t = t_timed_out;
  t_timed_out = false;
  return t;
}

BodyResult ReadRequestBody(const httplib::Request& req, const httplib::ContentReader& reader, uint64_t limit,
                           uint64_t drain_limit, std::string* body) {
  BodyDeadline deadline = std::move(t_deadline);
  t_deadline = BodyDeadline{};
  BodyResult result = ReadBody(req, reader, limit, drain_limit, deadline.at, body);
  t_timed_out = result.timed_out;
  if (deadline.done) deadline.done(result.timed_out);
  return result;
}

namespace {

BodyResult ReadBody(const httplib::Request& req, const httplib::ContentReader& reader, uint64_t limit,
                    uint64_t drain_limit, std::chrono::steady_clock::time_point deadline, std::string* body) {
  BodyResult result;
  body->clear();
  std::string encoding = Lower(req.get_header_value("Content-Encoding"));
  bool inflate = false;
  if (encoding == "gzip" || encoding == "x-gzip" || encoding == "deflate") {
    inflate = true;
  } else if (!encoding.empty() && encoding != "identity") {
    result.outcome = BodyResult::Outcome::kUnsupportedEncoding;
    result.message = "Unsupported Content-Encoding: " + req.get_header_value("Content-Encoding") +
                     " (use gzip or none)";
  }
  // httplib would inflate before handing us the bytes, with no bound on the
  // output; without the header it passes them through untouched. The request
  // object is not const where the server owns it; only the view we get is.
  const_cast<httplib::Request&>(req).headers.erase("Content-Encoding");

  uint64_t content_length = 0;
  bool has_length = req.has_header("Content-Length");
  if (has_length) content_length = std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
  if (result.outcome == BodyResult::Outcome::kOk && has_length && content_length > limit) {
    result.outcome = BodyResult::Outcome::kTooLarge;
    result.message = "body of " + std::to_string(content_length) + " bytes is over the limit of " +
                     std::to_string(limit) + " bytes";
  }
  if (result.outcome != BodyResult::Outcome::kOk && has_length && content_length > drain_limit) {
    // Not worth reading: the connection closes instead.
    result.drained = false;
    return result;
  }

  // A request with neither Content-Length nor chunked encoding has no body
  // (RFC 9112 6.3); httplib 0.11.4 would wait for the connection to close.
  if (!has_length && Lower(req.get_header_value("Transfer-Encoding")).find("chunked") == std::string::npos) {
    if (result.outcome == BodyResult::Outcome::kOk && inflate) {
      result.outcome = BodyResult::Outcome::kBadEncoding;
      result.message = "body is empty but Content-Encoding is " + encoding;
    }
    return result;
  }

  Inflater inflater;
  if (inflate && !inflater.ok()) {
    result.outcome = BodyResult::Outcome::kReadFailed;
    result.message = "cannot initialize zlib";
    result.drained = false;
    return result;
  }
  bool aborted = false;
  bool late = false;
  bool read_ok = reader([&](const char* data, size_t n) {
    result.wire_bytes += n;
    if (std::chrono::steady_clock::now() > deadline) {
      late = true;
      return false;
    }
    if (result.outcome != BodyResult::Outcome::kOk) {
      // Draining a refused body: discard, but not forever.
      if (result.wire_bytes > drain_limit) {
        aborted = true;
        return false;
      }
      return true;
    }
    if (!inflate) {
      if (body->size() + n > limit) {
        result.outcome = BodyResult::Outcome::kTooLarge;
        result.message = "body is over the limit of " + std::to_string(limit) + " bytes";
        body->clear();
        return result.wire_bytes <= drain_limit || (aborted = true, false);
      }
      body->append(data, n);
      return true;
    }
    if (result.wire_bytes > limit) {
      result.outcome = BodyResult::Outcome::kTooLarge;
      result.message = "body is over the limit of " + std::to_string(limit) + " bytes";
      body->clear();
      return true;
    }
    bool corrupt = false, over = false;
    if (!inflater.Feed(data, n, limit, body, &corrupt, &over)) {
      body->clear();
      if (over) {
        result.outcome = BodyResult::Outcome::kTooLarge;
        result.message = "decompressed body is over the limit of " + std::to_string(limit) + " bytes";
      } else {
        result.outcome = BodyResult::Outcome::kBadEncoding;
        result.message = "body is not valid " + encoding + " data";
      }
    }
    return true;
  });
  if (aborted) {
    result.drained = false;
    return result;
  }
  // The server's watchdog ends a read that waits past the deadline without
  // any byte arriving (the reader then fails rather than calling back).
  if (late || (!read_ok && std::chrono::steady_clock::now() > deadline)) {
    result.outcome = BodyResult::Outcome::kReadFailed;
    result.timed_out = true;
    result.message = "the request body did not arrive in time";
    body->clear();
    result.drained = false;
    return result;
  }
  if (!read_ok) {
    if (result.outcome == BodyResult::Outcome::kOk) {
      result.outcome = BodyResult::Outcome::kReadFailed;
      result.message = "could not read the request body";
    }
    result.drained = false;
    return result;
  }
  if (result.outcome == BodyResult::Outcome::kOk && inflate && !inflater.finished()) {
    body->clear();
    result.outcome = BodyResult::Outcome::kBadEncoding;
    result.message = "body is truncated " + encoding + " data";
  }
  return result;
}

}  // namespace

}  // namespace swell::serve
