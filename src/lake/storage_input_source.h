// A parquet::InputSource over one object of a lake::Storage, so the Parquet
// reader works over any store (a local directory now, S3 later) with ranged
// reads only: the footer, then the column chunks it points at, never the
// whole object.
//
// Every read is a round trip on object storage, and the reader's first reads
// (magic, footer length, footer) all fall at the end of the object, so the
// last kTailBytes are fetched once, on the first read that falls there, and
// served from memory afterwards.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "lake/storage.h"
#include "parquet/file_reader.h"
#include "util/status.h"

namespace swell::lake {

class StorageInputSource : public parquet::InputSource {
 public:
  // The tail fetched at once: large enough for the footer of a typical
  // lake file, small enough not to matter when the footer is tiny.
  static constexpr uint64_t kTailBytes = 64 << 10;

  // Looks up the object's size (NotFound when there is no such object).
  // Objects in the lake are never modified, so the size stays true.
  // REQUIRES: storage outlives the source.
  static Status Open(Storage* storage, std::string_view key, std::unique_ptr<parquet::InputSource>* out);

  uint64_t size() const override { return size_; }
  // IOError when the object returns fewer bytes than its size promised (it
  // was replaced or truncated behind the reader's back).
  Status ReadAt(uint64_t offset, size_t n, std::string* out) override;

 private:
  StorageInputSource(Storage* storage, std::string key, uint64_t size)
      : storage_(storage), key_(std::move(key)), size_(size) {}
  Status Fetch(uint64_t offset, uint64_t n, std::string* out);

  Storage* storage_;
  std::string key_;
  uint64_t size_;
  bool have_tail_ = false;
  uint64_t tail_offset_ = 0;
  std::string tail_;
};

}  // namespace swell::lake
