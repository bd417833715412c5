#include "parquet/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "util/file_util.h"

namespace swell::parquet {

namespace {

// Small appends (page indexes, the footer) are gathered into one write.
constexpr size_t kWriteBufferBytes = 1 << 20;

class LocalOutputFile : public OutputFile {
 public:
  LocalOutputFile(std::string path, std::string temp_path, int fd)
      : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(fd) {}

  ~LocalOutputFile() override {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(temp_path_.c_str());
    }
  }

  Status Append(std::string_view data) override {
    position_ += static_cast<int64_t>(data.size());
    if (buffer_.size() + data.size() <= kWriteBufferBytes) {
      buffer_.append(data.data(), data.size());
      return Status::OK();
    }
    SWELL_RETURN_IF_ERROR(FlushBuffer());
    if (data.size() >= kWriteBufferBytes) return ::swell::WriteAll(fd_, data, temp_path_);
    buffer_.assign(data.data(), data.size());
    return Status::OK();
  }

  int64_t position() const override { return position_; }

  Status Close() override {
    if (fd_ < 0) return Status::IOError("parquet output already closed: " + path_);
    SWELL_RETURN_IF_ERROR(FlushBuffer());
    if (::fsync(fd_) != 0) return Status::FromErrno("fsync " + temp_path_, errno);
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return Status::FromErrno("close " + temp_path_, errno);
    if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
      Status st = Status::FromErrno("rename " + temp_path_, errno);
      ::unlink(temp_path_.c_str());
      return st;
    }
    size_t slash = path_.rfind('/');
    return FsyncDirectory(slash == std::string::npos ? "." : path_.substr(0, slash == 0 ? 1 : slash));
  }

 private:
  Status FlushBuffer() {
    Status st = ::swell::WriteAll(fd_, buffer_, temp_path_);
    buffer_.clear();
    return st;
  }


  std::string path_;
  std::string temp_path_;
  int fd_;
  int64_t position_ = 0;
  std::string buffer_;
};

}  // namespace

Status OpenLocalOutputFile(const std::string& path, std::unique_ptr<OutputFile>* out) {
  std::string temp = path + ".inprogress";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("open " + temp, errno);
  *out = std::make_unique<LocalOutputFile>(path, temp, fd);
  return Status::OK();
}

}  // namespace swell::parquet
