// Interner: a dense, append-only numbering of strings (event names, property
// keys, property values). Rows store the small numbers, so a filter or a
// group-by compares integers instead of strings.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace swell::speed {

class Interner {
 public:
  static constexpr uint32_t kMissing = 0xFFFFFFFFu;

  Interner() = default;
  Interner(const Interner&) = delete;
  Interner& operator=(const Interner&) = delete;

  // Returns the number of s, assigning the next one when s is new.
  uint32_t Intern(std::string_view s);
  // The number of s, or kMissing when s was never interned.
  uint32_t Find(std::string_view s) const;
  // REQUIRES: id < size().
  std::string_view Get(uint32_t id) const { return strings_[id]; }
  uint32_t size() const { return static_cast<uint32_t>(strings_.size()); }
  uint64_t MemoryBytes() const { return bytes_; }

 private:
  // A deque never moves its elements, so the views used as map keys stay valid.
  std::deque<std::string> strings_;
  std::unordered_map<std::string_view, uint32_t> ids_;
  uint64_t bytes_ = 0;
};

}  // namespace swell::speed
