// Graceful shutdown on SIGINT/SIGTERM: the signals are blocked in every
// thread and one thread waits for them, so a signal never interrupts a worker
// in the middle of a write and the shutdown runs as ordinary code.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

namespace swell::cli {

class SignalWatcher {
 public:
  // REQUIRES: called before any other thread is started (threads inherit
  // the signal mask at creation, and one with the signals unblocked would
  // receive them with their default action: immediate exit).
  SignalWatcher();
  ~SignalWatcher();

  // What a signal does: until set, the process exits at once with 128+sig
  // (nothing acknowledged is lost: the log is the truth). Runs on the
  // watcher's thread; later signals run it again.
  void SetHandler(std::function<void()> handler);

 private:
  void Loop();
  std::mutex mu_;
  std::function<void()> handler_;
  std::atomic<bool> closing_{false};
  std::thread thread_;
};

}  // namespace swell::cli
