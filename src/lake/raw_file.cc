#include "lake/raw_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include <zstd.h>

#include "lake/event_json.h"
#include "util/file_util.h"

namespace swell::lake {

namespace {

// zstd's default level: about 4x on event JSON at several hundred MB/s, and
// the tier is written once and rarely read.
constexpr int kZstdLevel = 3;
// Text handed to zstd at a time, and the compressed bytes read per request:
// bounds the writer's and the reader's buffers.
constexpr size_t kWriteChunk = size_t{1} << 20;
constexpr uint64_t kReadChunk = uint64_t{4} << 20;

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// The temporary of one write; removed unless released.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!released_) ::unlink(path_.c_str());
  }
  Status Open() {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    return fd_ < 0 ? Status::FromErrno(path_, errno) : Status::OK();
  }
  Status SyncAndClose() {
    if (::fsync(fd_) != 0) return Status::FromErrno(path_, errno);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return Status::FromErrno(path_, errno);
    return Status::OK();
  }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  void Release() { released_ = true; }

 private:
  std::string path_;
  int fd_ = -1;
  bool released_ = false;
};

// Compresses in with the given end directive and writes what comes out.
Status Compress(ZSTD_CCtx* cctx, std::string_view in, ZSTD_EndDirective mode, TempFile* file, std::string* out,
                uint64_t* written) {
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  for (;;) {
    ZSTD_outBuffer output{out->data(), out->size(), 0};
    size_t left = ZSTD_compressStream2(cctx, &output, &input, mode);
    if (ZSTD_isError(left)) return Status::IOError(file->path() + ": zstd: " + ZSTD_getErrorName(left));
    SWELL_RETURN_IF_ERROR(WriteAll(file->fd(), std::string_view(out->data(), output.pos), file->path()));
    *written += output.pos;
    bool done = mode == ZSTD_e_end ? left == 0 : input.pos == input.size;
    if (done) return Status::OK();
  }
}

}  // namespace

std::string RawPartFileName(std::string_view id) { return "part-" + std::string(id) + ".ndjson.zst"; }

Status WriteRawFile(const std::string& local_path, std::span<const Event> events, uint64_t* size) {
  std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx(ZSTD_createCCtx());
  if (!cctx) return Status::ResourceExhausted("zstd: cannot create a compression context");
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, kZstdLevel);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setPledgedSrcSize(cctx.get(), ZSTD_CONTENTSIZE_UNKNOWN);

  TempFile tmp(local_path + ".inprogress");
  SWELL_RETURN_IF_ERROR(tmp.Open());
  std::string text;
  text.reserve(kWriteChunk + 4096);
  std::string out(ZSTD_CStreamOutSize(), '\0');
  uint64_t written = 0;
  for (const Event& e : events) {
    AppendEventJson(e, &text);
    text.push_back('\n');
    if (text.size() >= kWriteChunk) {
      SWELL_RETURN_IF_ERROR(Compress(cctx.get(), text, ZSTD_e_continue, &tmp, &out, &written));
      text.clear();
    }
  }
  SWELL_RETURN_IF_ERROR(Compress(cctx.get(), text, ZSTD_e_end, &tmp, &out, &written));
  SWELL_RETURN_IF_ERROR(tmp.SyncAndClose());
  if (::rename(tmp.path().c_str(), local_path.c_str()) != 0) return Status::FromErrno(local_path, errno);
  tmp.Release();
  SWELL_RETURN_IF_ERROR(FsyncDirectory(DirName(local_path)));
  *size = written;
  return Status::OK();
}

Status ReadRawFile(Storage* storage, std::string_view key, std::vector<Event>* events) {
  const std::string name(key);
  auto corrupt = [&](uint64_t line, const std::string& what) {
    return Status::Corruption(name + ": line " + std::to_string(line) + ": " + what);
  };
  uint64_t object_size = 0;
  SWELL_RETURN_IF_ERROR(storage->Size(key, &object_size));
  if (object_size == 0) return Status::Corruption(name + ": empty object, not a zstd stream");

  std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx(ZSTD_createDCtx());
  if (!dctx) return Status::ResourceExhausted("zstd: cannot create a decompression context");
  std::vector<Event> parsed;
  std::string chunk;
  std::string out(ZSTD_DStreamOutSize(), '\0');
  std::string line;
  uint64_t line_no = 1;
  size_t last = 0;  // ZSTD_decompressStream's last hint: 0 once a frame is complete

  auto take_line = [&]() -> Status {
    if (!line.empty()) {
      Event e;
      Status s = ParseEventJson(line, &e);
      if (!s.ok()) return corrupt(line_no, s.message());
      parsed.push_back(std::move(e));
    }
    line.clear();
    ++line_no;
    return Status::OK();
  };

  for (uint64_t offset = 0; offset < object_size; offset += chunk.size()) {
    SWELL_RETURN_IF_ERROR(storage->GetRange(key, offset, kReadChunk, &chunk));
    if (chunk.empty()) return Status::IOError(name + ": object shorter than its size");
    ZSTD_inBuffer input{chunk.data(), chunk.size(), 0};
    // Until the chunk is consumed and zstd holds nothing more back (a full
    // output buffer may leave decoded bytes pending).
    for (bool full = true; input.pos < input.size || full;) {
      ZSTD_outBuffer output{out.data(), out.size(), 0};
      last = ZSTD_decompressStream(dctx.get(), &output, &input);
      if (ZSTD_isError(last)) return corrupt(line_no, std::string("zstd: ") + ZSTD_getErrorName(last));
      full = output.pos == output.size;
      std::string_view text(out.data(), output.pos);
      while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view part = text.substr(0, nl);
        if (line.size() + part.size() > kMaxRawLineBytes)
          return corrupt(line_no, "longer than " + std::to_string(kMaxRawLineBytes) + " bytes");
        line.append(part);
        if (nl == std::string_view::npos) break;
        SWELL_RETURN_IF_ERROR(take_line());
        text.remove_prefix(nl + 1);
      }
    }
  }
  if (last != 0) return corrupt(line_no, "truncated zstd stream");
  // The writer ends every line with '\n'; a last line without one is taken
  // as it is.
  SWELL_RETURN_IF_ERROR(take_line());
  events->insert(events->end(), std::make_move_iterator(parsed.begin()), std::make_move_iterator(parsed.end()));
  return Status::OK();
}

}  // namespace swell::lake
