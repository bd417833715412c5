#include "serve/query_gate.h"

namespace swell::serve {

bool QueryGate::Enter(int* running) {
  std::unique_lock<std::mutex> l(mu_);
  if (running_ < max_running_ && waiting_ == 0) {
    ++running_;
    metrics_->SetQueries(running_, waiting_);
    return true;
  }
  if (waiting_ >= max_waiting_ || max_wait_.count() == 0) {
    *running = running_;
    metrics_->CountRefusedQuery();
    return false;
  }
  ++waiting_;
  metrics_->SetQueries(running_, waiting_);
  bool got = cv_.wait_for(l, max_wait_, [this] { return running_ < max_running_; });
  --waiting_;
  if (got) ++running_;
  metrics_->SetQueries(running_, waiting_);
  if (!got) {
    *running = running_;
    metrics_->CountRefusedQuery();
  }
  return got;
}

void QueryGate::Leave() {
  {
    std::lock_guard<std::mutex> l(mu_);
    --running_;
    metrics_->SetQueries(running_, waiting_);
  }
  cv_.notify_one();
}

}  // namespace swell::serve
