// A file read as a stream of bytes, transparently decompressed when it is
// gzip (any number of concatenated members) or zstd (any number of frames).
// Memory use is a few fixed buffers, whatever the file's size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "util/status.h"

namespace swell::collect {

class CompressedInput {
 public:
  enum class Format { kPlain, kGzip, kZstd };

  // Opens path. The format comes from the file's magic bytes; a name ending
  // in .gz/.gzip or .zst/.zstd whose content is not of that format is an
  // InvalidArgument error rather than a guess.
  static Status Open(const std::string& path, std::unique_ptr<CompressedInput>* out);

  virtual ~CompressedInput();
  CompressedInput(const CompressedInput&) = delete;
  CompressedInput& operator=(const CompressedInput&) = delete;

  // Reads up to n decompressed bytes into dst. *got == 0 with OK means the
  // end of the data. A stream cut short (a truncated .gz or .zst) is a
  // Corruption error once the bytes before the cut have been returned.
  Status Read(char* dst, size_t n, size_t* got);

  Format format() const { return format_; }
  // Bytes consumed from the file so far, and the file's size (for progress).
  uint64_t file_bytes_read() const { return file_bytes_read_; }
  uint64_t file_size() const { return file_size_; }

 private:
  struct Codec;
  CompressedInput() = default;
  Status Fill();  // refills the compressed-input buffer; sets eof_
  Status ReadGzip(char* dst, size_t n, size_t* got);
  Status ReadZstd(char* dst, size_t n, size_t* got);

  std::string path_;
  int fd_ = -1;
  Format format_ = Format::kPlain;
  uint64_t file_size_ = 0;
  uint64_t file_bytes_read_ = 0;
  bool eof_ = false;  // no more bytes in the file
  bool done_ = false;  // no more decompressed bytes
  // Raw file bytes not yet consumed: in_[in_pos_, in_end_).
  std::unique_ptr<char[]> in_;
  size_t in_pos_ = 0;
  size_t in_end_ = 0;
  std::unique_ptr<Codec> codec_;
};

}  // namespace swell::collect
