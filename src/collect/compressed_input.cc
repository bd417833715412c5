#include "collect/compressed_input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

namespace swell::collect {

namespace {

constexpr size_t kInBufferBytes = 256 << 10;

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

struct CompressedInput::Codec {
  z_stream zs{};
  bool zs_ready = false;
  bool member_ended = false;  // between two gzip members
  ZSTD_DCtx* zstd = nullptr;
  size_t zstd_last = 0;  // 0: at a frame boundary, so the data may end here

  ~Codec() {
    if (zs_ready) inflateEnd(&zs);
    if (zstd != nullptr) ZSTD_freeDCtx(zstd);
  }
};

CompressedInput::~CompressedInput() {
  codec_.reset();
  if (fd_ >= 0) ::close(fd_);
}

Status CompressedInput::Open(const std::string& path, std::unique_ptr<CompressedInput>* out) {
  std::unique_ptr<CompressedInput> in(new CompressedInput());
  in->path_ = path;
  in->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in->fd_ < 0) return Status::FromErrno(path, errno);
  struct stat st;
  if (::fstat(in->fd_, &st) != 0) return Status::FromErrno(path, errno);
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": is a directory, not a file");
  in->file_size_ = static_cast<uint64_t>(st.st_size);
  in->in_.reset(new char[kInBufferBytes]);
  while (in->in_end_ < 4 && !in->eof_) SWELL_RETURN_IF_ERROR(in->Fill());

  const auto* b = reinterpret_cast<const unsigned char*>(in->in_.get());
  const size_t have = in->in_end_;
  const bool gzip_magic = have >= 2 && b[0] == 0x1f && b[1] == 0x8b;
  const bool zstd_magic = have >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd;
  const bool gzip_name = EndsWith(path, ".gz") || EndsWith(path, ".gzip");
  const bool zstd_name = EndsWith(path, ".zst") || EndsWith(path, ".zstd");
  if (gzip_name && !gzip_magic)
    return Status::InvalidArgument(path + ": named like a gzip file but does not start with the gzip magic bytes 1f 8b");
  if (zstd_name && !zstd_magic)
    return Status::InvalidArgument(path + ": named like a zstd file but does not start with the zstd magic bytes 28 b5 2f fd");

  in->codec_ = std::make_unique<Codec>();
  if (gzip_magic) {
    in->format_ = Format::kGzip;
    // 16 + MAX_WBITS: expect a gzip header and trailer (CRC and length are checked).
    if (inflateInit2(&in->codec_->zs, 16 + MAX_WBITS) != Z_OK) return Status::ResourceExhausted("zlib: inflateInit2 failed");
    in->codec_->zs_ready = true;
  } else if (zstd_magic) {
    in->format_ = Format::kZstd;
    in->codec_->zstd = ZSTD_createDCtx();
    if (in->codec_->zstd == nullptr) return Status::ResourceExhausted("zstd: ZSTD_createDCtx failed");
  }
  *out = std::move(in);
  return Status::OK();
}

Status CompressedInput::Fill() {
  if (in_pos_ > 0) {
    std::memmove(in_.get(), in_.get() + in_pos_, in_end_ - in_pos_);
    in_end_ -= in_pos_;
    in_pos_ = 0;
  }
  if (eof_ || in_end_ == kInBufferBytes) return Status::OK();
  for (;;) {
    ssize_t r = ::read(fd_, in_.get() + in_end_, kInBufferBytes - in_end_);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::FromErrno(path_, errno);
    if (r == 0) eof_ = true;
    in_end_ += static_cast<size_t>(r);
    file_bytes_read_ += static_cast<uint64_t>(r);
    return Status::OK();
  }
}

Status CompressedInput::Read(char* dst, size_t n, size_t* got) {
  *got = 0;
  if (done_ || n == 0) return Status::OK();
  switch (format_) {
    case Format::kGzip: return ReadGzip(dst, n, got);
    case Format::kZstd: return ReadZstd(dst, n, got);
    case Format::kPlain: break;
  }
  if (in_pos_ < in_end_) {  // bytes peeked for the magic check
    size_t k = std::min(n, in_end_ - in_pos_);
    std::memcpy(dst, in_.get() + in_pos_, k);
    in_pos_ += k;
    *got = k;
    return Status::OK();
  }
  for (;;) {  // plain data goes straight to the caller's buffer
    ssize_t r = ::read(fd_, dst, n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::FromErrno(path_, errno);
    if (r == 0) done_ = eof_ = true;
    file_bytes_read_ += static_cast<uint64_t>(r);
    *got = static_cast<size_t>(r);
    return Status::OK();
  }
}

Status CompressedInput::ReadGzip(char* dst, size_t n, size_t* got) {
  Codec& c = *codec_;
  for (;;) {
    if (in_pos_ == in_end_ && !eof_) SWELL_RETURN_IF_ERROR(Fill());
    if (c.member_ended) {
      if (in_pos_ == in_end_ && eof_) {
        done_ = true;
        return Status::OK();
      }
      // Another member follows (concatenated .gz files are one stream).
      if (inflateReset(&c.zs) != Z_OK) return Status::Corruption(path_ + ": gzip: inflateReset failed");
      c.member_ended = false;
    }
    c.zs.next_in = reinterpret_cast<Bytef*>(in_.get() + in_pos_);
    c.zs.avail_in = static_cast<uInt>(in_end_ - in_pos_);
    c.zs.next_out = reinterpret_cast<Bytef*>(dst);
    c.zs.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    const uInt out_before = c.zs.avail_out;
    int r = inflate(&c.zs, Z_NO_FLUSH);
    in_pos_ = in_end_ - c.zs.avail_in;
    const size_t produced = out_before - c.zs.avail_out;
    if (r == Z_STREAM_END) {
      c.member_ended = true;
    } else if (r != Z_OK && r != Z_BUF_ERROR) {
      std::string msg = path_ + ": corrupt gzip data";
      if (c.zs.msg != nullptr) msg += std::string(" (") + c.zs.msg + ")";
      msg += " near compressed byte " + std::to_string(file_bytes_read_ - (in_end_ - in_pos_));
      return Status::Corruption(msg);
    }
    if (produced > 0) {
      *got = produced;
      return Status::OK();
    }
    if (!c.member_ended && in_pos_ == in_end_ && eof_)
      return Status::Corruption(path_ + ": truncated gzip file (the data ends inside a gzip member after " +
                                std::to_string(file_bytes_read_) + " compressed bytes)");
  }
}

Status CompressedInput::ReadZstd(char* dst, size_t n, size_t* got) {
  Codec& c = *codec_;
  for (;;) {
    if (in_pos_ == in_end_ && !eof_) SWELL_RETURN_IF_ERROR(Fill());
    ZSTD_inBuffer in{in_.get() + in_pos_, in_end_ - in_pos_, 0};
    ZSTD_outBuffer out{dst, n, 0};
    size_t r = ZSTD_decompressStream(c.zstd, &out, &in);
    if (ZSTD_isError(r))
      return Status::Corruption(path_ + ": corrupt zstd data (" + ZSTD_getErrorName(r) + ") near compressed byte " +
                                std::to_string(file_bytes_read_ - (in_end_ - in_pos_)));
    in_pos_ += in.pos;
    // A call that did nothing reports the next frame's header size, not
    // whether the last frame was complete.
    if (in.pos > 0 || out.pos > 0) c.zstd_last = r;
    if (out.pos > 0) {
      *got = out.pos;
      return Status::OK();
    }
    if (in_pos_ == in_end_ && eof_) {
      if (c.zstd_last != 0)
        return Status::Corruption(path_ + ": truncated zstd file (the data ends inside a zstd frame after " +
                                  std::to_string(file_bytes_read_) + " compressed bytes)");
      done_ = true;
      return Status::OK();
    }
  }
}

}  // namespace swell::collect
