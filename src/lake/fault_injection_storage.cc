#include "lake/fault_injection_storage.h"

namespace swell::lake::testing {

namespace {
Status Dead() { return Status::IOError("injected crash: the process is gone"); }
}  // namespace

Status FaultInjectionStorage::CheckAlive() const {
  std::lock_guard<std::mutex> l(mu_);
  return crashed_ ? Dead() : Status::OK();
}

template <typename Op>
Status FaultInjectionStorage::Mutate(Op op) {
  bool fatal;
  Mode mode;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (crashed_) return Dead();
    fatal = budget_ >= 0 && mutations_ == budget_;
    mode = mode_;
    ++mutations_;
    if (fatal) crashed_ = true;
  }
  if (!fatal) return op();
  if (mode == Mode::kLoseAck) op();  // the write lands, the reply does not
  return Dead();
}

Status FaultInjectionStorage::Put(std::string_view key, std::string_view bytes) {
  return Mutate([&] { return base_->Put(key, bytes); });
}
Status FaultInjectionStorage::PutIfAbsent(std::string_view key, std::string_view bytes, bool* created) {
  return Mutate([&] { return base_->PutIfAbsent(key, bytes, created); });
}
Status FaultInjectionStorage::PutFile(std::string_view key, const std::string& local_path) {
  return Mutate([&] { return base_->PutFile(key, local_path); });
}
Status FaultInjectionStorage::Delete(std::string_view key) {
  return Mutate([&] { return base_->Delete(key); });
}
Status FaultInjectionStorage::Get(std::string_view key, std::string* bytes) {
  SWELL_RETURN_IF_ERROR(CheckAlive());
  return base_->Get(key, bytes);
}
Status FaultInjectionStorage::GetRange(std::string_view key, uint64_t offset, uint64_t length, std::string* bytes) {
  SWELL_RETURN_IF_ERROR(CheckAlive());
  return base_->GetRange(key, offset, length, bytes);
}
Status FaultInjectionStorage::Size(std::string_view key, uint64_t* size) {
  SWELL_RETURN_IF_ERROR(CheckAlive());
  return base_->Size(key, size);
}
Status FaultInjectionStorage::ListObjects(std::string_view prefix, std::vector<ObjectInfo>* objects) {
  SWELL_RETURN_IF_ERROR(CheckAlive());
  return base_->ListObjects(prefix, objects);
}

}  // namespace swell::lake::testing
