// Status: the result of every fallible call (LevelDB style). Cheap when OK.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace swell {

class Status {
 public:
  enum class Code : int {
    kOk = 0,
    kNotFound = 1,
    kCorruption = 2,
    kNotSupported = 3,
    kInvalidArgument = 4,
    kIOError = 5,
    kResourceExhausted = 6,  // over a limit: payload size, memory, queue
    kPermissionDenied = 7,   // wrong or missing key
    kAborted = 8,            // shutting down
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status NotSupported(std::string_view msg) { return Status(Code::kNotSupported, msg); }
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status ResourceExhausted(std::string_view msg) { return Status(Code::kResourceExhausted, msg); }
  static Status PermissionDenied(std::string_view msg) { return Status(Code::kPermissionDenied, msg); }
  static Status Aborted(std::string_view msg) { return Status(Code::kAborted, msg); }
  // An IOError carrying strerror(errno) for the named path or operation.
  static Status FromErrno(std::string_view context, int err);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsNotSupported() const { return code_ == Code::kNotSupported; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsResourceExhausted() const { return code_ == Code::kResourceExhausted; }
  bool IsPermissionDenied() const { return code_ == Code::kPermissionDenied; }

  const std::string& message() const { return message_; }
  // "Corruption: bad checksum" style text for logs and errors.
  std::string ToString() const;

  // Returns a copy whose message is prefixed with "context: ".
  Status WithContext(std::string_view context) const;

 private:
  Status(Code code, std::string_view msg) : code_(code), message_(msg) {}
  Code code_ = Code::kOk;
  std::string message_;
};

#define SWELL_RETURN_IF_ERROR(expr)          \
  do {                                       \
    ::swell::Status _st = (expr);            \
    if (!_st.ok()) return _st;               \
  } while (0)

}  // namespace swell
