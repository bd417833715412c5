#include "serve/connection_tracker.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <set>
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

// The process's open descriptors.
std::vector<int> OpenFds() {
  std::vector<int> fds;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return fds;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    fds.push_back(std::atoi(e->d_name));
  }
  ::closedir(dir);
  return fds;
}

// Whether a complete request head ("\r\n\r\n") waits unread in the socket:
// the client has sent its request and waits for a worker to read it.
bool CompleteHeadWaiting(int fd) {
  static char buf[64 << 10];  // the watchdog's thread only
  ssize_t n = ::recv(fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
  if (n < 4) return false;
  return ::memmem(buf, static_cast<size_t>(n), "\r\n\r\n", 4) != nullptr;
}

// The inode of the socket fd refers to; 0 when fd is closed.
unsigned long SocketInode(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 ? static_cast<unsigned long>(st.st_ino) : 0;
}

// shutdown(how) of the socket with this inode, if fd still refers to it. A
// duplicate of fd is checked and shut down, so a descriptor closed and
// reused by a new connection in between cannot be hit by mistake.
void ShutdownIfSame(int fd, unsigned long inode, int how) {
  int d = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (d < 0) return;
  if (SocketInode(d) == inode) ::shutdown(d, how);
  ::close(d);
}

}  // namespace

std::string ConnectionTracker::Peer(const std::string& addr, int port) { return addr + "|" + std::to_string(port); }

std::string ConnectionTracker::PeerOf(const httplib::Request& req) { return Peer(req.remote_addr, req.remote_port); }

void ConnectionTracker::Begin(const httplib::Request& req, Clock::time_point body_deadline) {
  std::lock_guard<std::mutex> l(mu_);
  auto [it, inserted] = conns_.try_emplace(PeerOf(req));
  if (inserted) it->second.since = Clock::now();
  ++it->second.busy;
  it->second.body_deadline = body_deadline;
}

void ConnectionTracker::BodyDone(const std::string& peer) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = conns_.find(peer);
  if (it != conns_.end()) it->second.body_deadline = Clock::time_point::max();
}

void ConnectionTracker::End(const httplib::Request& req, bool close) {
  // Requests httplib refuses before reading the peer's address have none.
  if (req.remote_addr.empty()) return;
  std::lock_guard<std::mutex> l(mu_);
  auto it = conns_.find(PeerOf(req));
  if (it == conns_.end()) return;  // refused before Begin, on a connection no sweep has seen yet
  Conn& c = it->second;
  if (c.busy > 0) --c.busy;
  c.answered = true;
  c.close = c.close || close;
  c.since = Clock::now();
  c.body_deadline = Clock::time_point::max();
  // After a stop, httplib ends a connection once its request is answered.
}

ConnectionTracker::SweepCounts ConnectionTracker::Sweep(int local_port, const Timeouts& timeouts,
                                                        Clock::time_point now) {
  SweepCounts counts;
  // Held throughout, so that a connection's Begin cannot fall between the
  // listing of the descriptors and the dropping of closed connections.
  std::lock_guard<std::mutex> l(mu_);
  std::set<std::string> open;
  for (int fd : OpenFds()) {
    std::string peer = ConnectedPeer(fd, local_port);
    if (peer.empty()) continue;
    open.insert(peer);
    auto [it, inserted] = conns_.try_emplace(peer);
    Conn& c = it->second;
    const unsigned long inode = SocketInode(fd);
    if (inode == 0) continue;  // closed since the listing
    if (inserted) c.since = now;
    if (c.inode != 0 && c.inode != inode) {
      // A new connection from a peer address an old one had: only what its
      // own requests reported (Begin, End) is kept.
      c.shut = false;
      c.close = false;
      c.closing = Clock::time_point::max();
      if (c.busy == 0) {
        c.answered = false;
        c.since = now;
      }
    }
    c.inode = inode;
    if (c.busy > 0) {
      if (c.body_deadline != Clock::time_point::max() && now > c.body_deadline + timeouts.body_grace) {
        // The recv waiting for the body returns (ReadRequestBody reports
        // the timeout); httplib then takes the socket for dead and closes it.
        ShutdownIfSame(fd, inode, SHUT_RD);
        c.body_deadline = Clock::time_point::max();
        ++counts.body_ended;
      }
      continue;
    }
    if (c.shut) continue;
    if (c.close) {
      if (c.closing == Clock::time_point::max()) {
        // The answer, then the end of the stream: a client that reads it
        // closes its side, and httplib its own.
        ShutdownIfSame(fd, inode, SHUT_WR);
        c.closing = now;
      } else if (now - c.closing > kLinger) {
        ShutdownIfSame(fd, inode, SHUT_RDWR);
        c.shut = true;
      }
      continue;
    }
    Clock::duration limit = c.answered ? timeouts.keep_alive + timeouts.header : timeouts.header;
    if (now - c.since <= limit) continue;
    if (CompleteHeadWaiting(fd)) {
      // Queued for a worker: its headers get a full timeout once a worker
      // takes them.
      c.since = now;
      c.answered = false;
      continue;
    }
    ShutdownIfSame(fd, inode, SHUT_RDWR);
    ++counts.header_closed;
    c.shut = true;
  }
  for (auto it = conns_.begin(); it != conns_.end();) {
    it = open.contains(it->first) ? std::next(it) : conns_.erase(it);
  }
  counts.open = open.size();
  return counts;
}

void ConnectionTracker::CloseIdle(int local_port) {
  std::lock_guard<std::mutex> l(mu_);
  for (int fd : OpenFds()) {
    std::string peer = ConnectedPeer(fd, local_port);
    if (peer.empty()) continue;
    auto it = conns_.find(peer);
    if (it != conns_.end() && it->second.busy > 0) continue;
    ::shutdown(fd, SHUT_RDWR);
  }
}

}  // namespace swell::serve
