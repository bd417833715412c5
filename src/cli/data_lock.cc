#include "cli/data_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "util/file_util.h"

namespace swell::cli {

Status DataLock::Acquire(const std::string& data_dir, std::unique_ptr<DataLock>* lock) {
  SWELL_RETURN_IF_ERROR(CreateDirectories(data_dir));
  std::string path = data_dir + "/LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno(path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    std::string holder;
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n > 0) holder = std::string(buf, n);
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::IOError("data directory " + data_dir + " is in use by another swell process" +
                             (holder.empty() ? std::string() : " (pid " + holder + ")") +
                             "; stop it first, or use its HTTP API");
    }
    return Status::FromErrno("flock " + path, err);
  }
  // The pid is only for the message above; the lock itself is the flock.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    ssize_t ignored = ::pwrite(fd, pid.data(), pid.size(), 0);
    (void)ignored;
  }
  lock->reset(new DataLock(fd));
  return Status::OK();
}

DataLock::~DataLock() { ::close(fd_); }

}  // namespace swell::cli
