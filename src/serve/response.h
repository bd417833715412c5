// Small helpers every route uses to answer.
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>

namespace swell::serve {

inline constexpr const char* kJsonType = "application/json; charset=utf-8";

inline void SendJson(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.set_content(std::move(body), kJsonType);
}

// {"error": message}: the error shape of the query API and of routing errors.
std::string ErrorJson(std::string_view message);

// The Amplitude error shape: {"code": status, "error": message}.
std::string AmplitudeErrorJson(int status, std::string_view message);

// Asks httplib to close the connection after this response (the request body
// was not read to its end, so the next bytes are not a request).
void CloseAfterResponse(httplib::Response& res);

}  // namespace swell::serve
