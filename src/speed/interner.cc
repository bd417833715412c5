#include "speed/interner.h"

namespace swell::speed {

uint32_t Interner::Intern(std::string_view s) {
  auto it = ids_.find(s);
  if (it != ids_.end()) return it->second;
  uint32_t id = static_cast<uint32_t>(strings_.size());
  strings_.emplace_back(s);
  ids_.emplace(std::string_view(strings_.back()), id);
  // The string, its deque slot and a hash node (key view, id, next pointer, hash).
  bytes_ += sizeof(std::string) + (s.size() > 15 ? s.size() + 1 : 0) + 48;
  return id;
}

uint32_t Interner::Find(std::string_view s) const {
  auto it = ids_.find(s);
  return it == ids_.end() ? kMissing : it->second;
}

}  // namespace swell::speed
