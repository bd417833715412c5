#include "cli/signal_watcher.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>

namespace swell::cli {

namespace {
sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
}  // namespace

SignalWatcher::SignalWatcher() {
  sigset_t set = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this] { Loop(); });
}

SignalWatcher::~SignalWatcher() {
  closing_.store(true);
  pthread_kill(thread_.native_handle(), SIGTERM);
  thread_.join();
}

void SignalWatcher::SetHandler(std::function<void()> handler) {
  std::lock_guard<std::mutex> l(mu_);
  handler_ = std::move(handler);
}

void SignalWatcher::Loop() {
  sigset_t set = ShutdownSignals();
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (closing_.load()) return;
    // The handler runs under the lock so that SetHandler(nullptr) waits for
    // it: what it refers to may be destroyed right after.
    std::lock_guard<std::mutex> l(mu_);
    if (!handler_) std::_Exit(128 + sig);
    std::fprintf(stderr, "swell: %s received, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    handler_();
  }
}

}  // namespace swell::cli
