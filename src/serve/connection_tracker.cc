#include "serve/connection_tracker.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>
#include <vector>

namespace swell::serve {

namespace {

// The peer "addr:port" of a connected socket, or "" if fd is not a TCP
// connection accepted on local_port.
std::string ConnectedPeer(int fd, int local_port) {
  sockaddr_storage local{}, peer{};
  socklen_t len = sizeof local;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) return "";
  int port = 0;
  if (local.ss_family == AF_INET) port = ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
  else if (local.ss_family == AF_INET6) port = ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
  else return "";
  if (port != local_port) return "";
  len = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return "";  // the listening socket
  char host[INET6_ADDRSTRLEN] = {};
  int peer_port = 0;
  if (peer.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&peer);
    ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    peer_port = ntohs(a->sin_port);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&peer);
    ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    peer_port = ntohs(a->sin6_port);
  }
  return std::string(host) + "|" + std::to_string(peer_port);
}

}  // namespace

std::string ConnectionTracker::Peer(const std::string& addr, int port) { return addr + "|" + std::to_string(port); }

void ConnectionTracker::Begin(const httplib::Request& req) {
  std::lock_guard<std::mutex> l(mu_);
  busy_.insert(Peer(req.remote_addr, req.remote_port));
}

void ConnectionTracker::End(const httplib::Request& req) {
  std::string peer = Peer(req.remote_addr, req.remote_port);
  std::lock_guard<std::mutex> l(mu_);
  auto it = busy_.find(peer);
  if (it != busy_.end()) busy_.erase(it);
  // After a stop, httplib ends a connection once its request is answered.
}

void ConnectionTracker::CloseIdle(int local_port) {
  std::lock_guard<std::mutex> l(mu_);
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return;
  std::vector<int> fds;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    fds.push_back(std::atoi(e->d_name));
  }
  ::closedir(dir);
  for (int fd : fds) {
    std::string peer = ConnectedPeer(fd, local_port);
    if (peer.empty() || busy_.count(peer)) continue;
    ::shutdown(fd, SHUT_RDWR);
  }
}

}  // namespace swell::serve
