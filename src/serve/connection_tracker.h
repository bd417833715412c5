// The server's view of its client connections. httplib 0.11.4 keeps its
// sockets to itself and gives each connection a worker thread for as long as
// it is open; its read timeout applies to each recv, so a client sending a
// byte every few seconds holds a worker for ever, and an idle keep-alive
// connection holds one, and a graceful stop, for the keep-alive timeout.
// This finds the server's connected sockets among the process's descriptors
// (by local port), follows their requests by peer address (the pre-routing
// handler and the logger report them) and shuts down the slow and, at stop,
// the idle ones. Requests in flight finish and get answers.
#pragma once

#include <httplib.h>

#include <sys/types.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace swell::serve {

class ConnectionTracker {
 public:
  using Clock = std::chrono::steady_clock;

  struct Timeouts {
    // From a connection's accept to the end of its first request's headers.
    Clock::duration header = std::chrono::seconds(10);
    // How long httplib waits for the next request after a response; the
    // next request's headers then have `header` more.
    Clock::duration keep_alive = std::chrono::seconds(5);
    // Past a body's deadline, its reader gets this long to notice by itself
    // at the next byte and answer 408, before the watchdog ends the read
    // (httplib then takes the socket for dead and answers nothing).
    Clock::duration body_grace = std::chrono::seconds(2);
  };

  struct SweepCounts {
    uint64_t open = 0;            // connections open
    uint64_t header_closed = 0;   // shut down: no complete request in time
    uint64_t body_ended = 0;      // reads ended: the body's deadline passed
  };

  // "addr|port" of the request's peer, the key of its connection.
  static std::string PeerOf(const httplib::Request& req);

  // A request from peer started: its headers have arrived. body_deadline is
  // when its body must have arrived (Clock::time_point::max(): no body).
  void Begin(const httplib::Request& req, Clock::time_point body_deadline = Clock::time_point::max());
  // The body of peer's request has been read (or its reading ended).
  void BodyDone(const std::string& peer);
  // The request's response was sent (the logger calls this, also for
  // requests httplib refused before Begin). close: the response said
  // `Connection: close`, which httplib 0.11.4 only tells the client: the
  // next sweep shuts the connection down, so that a client that sends on
  // (the rest of a refused body, a trickle) cannot keep it.
  void End(const httplib::Request& req, bool close = false);

  // One round of the watchdog over the connections accepted on local_port:
  // a connection without a request in flight for longer than its header
  // timeout (after keep_alive when it has served a request) is shut down,
  // unless complete headers wait unread in its socket (it waits for a free
  // worker: the delay is the server's); one answered with Connection: close
  // has its writing side shut down, then, kLinger later, the rest (closing a
  // socket with unread bytes resets it, and the client could lose the
  // answer); a request whose body is past its
  // deadline (plus body_grace) has its reading side shut down, which ends
  // the read and the connection.
  SweepCounts Sweep(int local_port, const Timeouts& timeouts, Clock::time_point now);

  // Shuts down every TCP connection accepted on local_port that has no
  // request in flight. REQUIRES: the server stopped accepting (httplib then
  // ends busy connections once their request is answered).
  void CloseIdle(int local_port);

 private:
  struct Conn {
    int busy = 0;             // requests in flight (0 or 1 with HTTP/1.1)
    bool answered = false;    // served a request: httplib waits keep_alive for the next
    bool shut = false;        // shut down by a sweep; closes once httplib sees it
    bool close = false;       // answered with Connection: close
    Clock::time_point closing = Clock::time_point::max();  // its writing side shut down
    Clock::time_point since;  // first seen, or its last response
    Clock::time_point body_deadline = Clock::time_point::max();
    // The socket's inode when a sweep last saw it. A peer address can come
    // back on a new connection (the client reuses its port) before a sweep
    // drops the old one; a new inode tells them apart, so the new
    // connection does not inherit the old one's close or shut.
    unsigned long inode = 0;
  };
  static constexpr Clock::duration kLinger = std::chrono::seconds(2);
  static std::string Peer(const std::string& addr, int port);
  std::mutex mu_;
  std::map<std::string, Conn> conns_;  // by peer
};

}  // namespace swell::serve
