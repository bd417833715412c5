#include "serve/response.h"

#include "util/json_writer.h"

namespace swell::serve {

std::string ErrorJson(std::string_view message) {
  JsonWriter w;
  w.BeginObject().Key("error").String(message).EndObject();
  return w.Take();
}

std::string AmplitudeErrorJson(int status, std::string_view message) {
  JsonWriter w;
  w.BeginObject().Key("code").Int(status).Key("error").String(message).EndObject();
  return w.Take();
}

void CloseAfterResponse(httplib::Response& res) { res.set_header("Connection", "close"); }

}  // namespace swell::serve
