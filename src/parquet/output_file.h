// Where the writer's bytes go: a local file made durable and visible
// atomically at Close, or a string (tests, uploads to object storage).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace swell::parquet {

class OutputFile {
 public:
  virtual ~OutputFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Bytes appended so far: the offset the next Append starts at.
  virtual int64_t position() const = 0;
  // After OK, every byte is durable.
  virtual Status Close() = 0;
};

// Writes into "<path>.inprogress"; Close fsyncs it, renames it to path and
// fsyncs the directory, so path never holds a partial file. Destroying the
// file without Close removes the temporary.
Status OpenLocalOutputFile(const std::string& path, std::unique_ptr<OutputFile>* out);

class StringOutputFile : public OutputFile {
 public:
  // REQUIRES: *buffer outlives this object.
  explicit StringOutputFile(std::string* buffer) : buffer_(buffer) {}
  Status Append(std::string_view data) override {
    buffer_->append(data.data(), data.size());
    return Status::OK();
  }
  int64_t position() const override { return static_cast<int64_t>(buffer_->size()); }
  Status Close() override { return Status::OK(); }

 private:
  std::string* buffer_;
};

}  // namespace swell::parquet
