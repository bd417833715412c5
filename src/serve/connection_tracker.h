// Graceful stop without waiting out idle keep-alive connections. httplib
// 0.11.4 lets an idle connection hold its worker thread, and so the stop, for
// the whole keep-alive timeout, and keeps its sockets to itself; this finds
// the server's connected sockets among the process's descriptors and shuts
// down those between requests. Requests in flight finish and get answers.
#pragma once

#include <httplib.h>

#include <mutex>
#include <set>
#include <string>

namespace swell::serve {

class ConnectionTracker {
 public:
  // A request from remote_addr:remote_port started or ended (the pre-routing
  // handler and the logger call these).
  void Begin(const httplib::Request& req);
  void End(const httplib::Request& req);
  // Shuts down every TCP connection accepted on local_port that has no
  // request in flight. REQUIRES: the server stopped accepting (httplib then
  // ends busy connections once their request is answered).
  void CloseIdle(int local_port);

 private:
  static std::string Peer(const std::string& addr, int port);
  std::mutex mu_;
  std::multiset<std::string> busy_;  // peers with a request in flight
};

}  // namespace swell::serve
