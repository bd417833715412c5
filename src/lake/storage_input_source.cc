#include "lake/storage_input_source.h"

#include <algorithm>

namespace swell::lake {

Status StorageInputSource::Open(Storage* storage, std::string_view key,
                                std::unique_ptr<parquet::InputSource>* out) {
  uint64_t size = 0;
  SWELL_RETURN_IF_ERROR(storage->Size(key, &size));
  out->reset(new StorageInputSource(storage, std::string(key), size));
  return Status::OK();
}

Status StorageInputSource::Fetch(uint64_t offset, uint64_t n, std::string* out) {
  SWELL_RETURN_IF_ERROR(storage_->GetRange(key_, offset, n, out));
  if (out->size() != n)
    return Status::IOError(key_ + ": read " + std::to_string(out->size()) + " bytes at " + std::to_string(offset) +
                           ", expected " + std::to_string(n) + " (object changed while being read?)");
  return Status::OK();
}

Status StorageInputSource::ReadAt(uint64_t offset, size_t n, std::string* out) {
  if (offset > size_ || n > size_ - offset)
    return Status::InvalidArgument(key_ + ": read past the end of the object");
  if (n == 0) {
    out->clear();
    return Status::OK();
  }
  uint64_t tail_start = size_ - std::min(size_, kTailBytes);
  if (offset >= tail_start) {
    if (!have_tail_) {
      SWELL_RETURN_IF_ERROR(Fetch(tail_start, size_ - tail_start, &tail_));
      tail_offset_ = tail_start;
      have_tail_ = true;
    }
    out->assign(tail_, offset - tail_offset_, n);
    return Status::OK();
  }
  return Fetch(offset, n, out);
}

}  // namespace swell::lake
