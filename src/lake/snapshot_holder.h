// SnapshotHolder: the lake version queries read right now. A seal replaces it
// after its commit, at the same moment it drops the sealed events from the
// speed layer (SpeedLayer::EvictSealed), so a query sees each event once.
// A reader keeps the snapshot it took for as long as it needs: files a later
// version no longer lists are only swept once old (Manifest::SweepOrphans).
#pragma once

#include <memory>
#include <mutex>

#include "lake/manifest.h"

namespace swell::lake {

class SnapshotHolder {
 public:
  SnapshotHolder() : current_(std::make_shared<const Snapshot>()) {}

  std::shared_ptr<const Snapshot> Get() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void Set(std::shared_ptr<const Snapshot> snapshot) {
    std::lock_guard lock(mu_);
    current_ = std::move(snapshot);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> current_;
};

}  // namespace swell::lake
