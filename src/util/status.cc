#include "util/status.h"

#include <cstring>

namespace swell {

Status Status::FromErrno(std::string_view context, int err) {
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(err);
  return Status(Code::kIOError, msg);
}

std::string Status::ToString() const {
  const char* name = "OK";
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: name = "NotFound"; break;
    case Code::kCorruption: name = "Corruption"; break;
    case Code::kNotSupported: name = "NotSupported"; break;
    case Code::kInvalidArgument: name = "InvalidArgument"; break;
    case Code::kIOError: name = "IOError"; break;
    case Code::kResourceExhausted: name = "ResourceExhausted"; break;
    case Code::kPermissionDenied: name = "PermissionDenied"; break;
    case Code::kAborted: name = "Aborted"; break;
  }
  return std::string(name) + ": " + message_;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += message_;
  return Status(code_, msg);
}

}  // namespace swell
