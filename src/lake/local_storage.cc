#include "lake/local_storage.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "util/file_util.h"

namespace swell::lake {

namespace {

constexpr std::string_view kTmpPrefix = ".tmp-";
constexpr int kDirectoryRaceRetries = 8;

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ParentOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}


// Opens a regular file for reading; NotFound for a missing key or one that
// names a directory.
Status OpenForRead(const std::string& path, int* fd_out, uint64_t* size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) return Status::NotFound(path);
    return Status::FromErrno(path, errno);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno(path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::NotFound(path);
  }
  *fd_out = fd;
  *size = static_cast<uint64_t>(st.st_size);
  return Status::OK();
}

Status PreadExactly(int fd, uint64_t offset, size_t n, std::string* out, const std::string& path) {
  out->resize(n);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, out->data() + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(path, errno);
    }
    if (r == 0) return Status::IOError(path + ": file shrank while being read");
    done += static_cast<size_t>(r);
  }
  return Status::OK();
}

}  // namespace

Status LocalStorage::Open(const std::string& root, std::unique_ptr<LocalStorage>* out) {
  if (root.empty()) return Status::InvalidArgument("local storage: empty root");
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  SWELL_RETURN_IF_ERROR(CreateDirectories(r));
  struct stat st;
  if (::stat(r.c_str(), &st) != 0) return Status::FromErrno(r, errno);
  if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(r + ": not a directory");
  out->reset(new LocalStorage(std::move(r)));
  return Status::OK();
}

std::string LocalStorage::PathOf(std::string_view key) const {
  std::string p = root_;
  p += '/';
  p += key;
  return p;
}

Status LocalStorage::EnsureParentDirectories(std::string_view key) {
  // Each directory this creates is fsynced into its parent: rename + fsync of
  // the file's own directory does not make a fresh directory entry durable.
  // A concurrent Delete may remove an emptied ancestor while we descend
  // (ENOENT): start again from the top.
  for (int attempt = 0;; ++attempt) {
    bool raced = false;
    size_t pos = 0;
    for (;;) {
      size_t slash = key.find('/', pos);
      if (slash == std::string_view::npos) break;
      std::string dir = PathOf(key.substr(0, slash));
      if (::mkdir(dir.c_str(), 0755) == 0) {
        std::string parent = ParentOf(dir);
        int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
          raced = true;
          break;
        }
        if (fd < 0) return Status::FromErrno(parent, errno);
        int rc = ::fsync(fd);
        int err = errno;
        ::close(fd);
        if (rc != 0) return Status::FromErrno("fsync " + parent, err);
      } else if (errno == ENOENT) {
        raced = true;
        break;
      } else if (errno != EEXIST) {
        return Status::FromErrno("mkdir " + dir, errno);
      }
      pos = slash + 1;
    }
    if (!raced) return Status::OK();
    if (attempt >= kDirectoryRaceRetries) return Status::IOError("mkdir: directories keep disappearing under " + PathOf(key));
  }
}

template <typename Fill>
Status LocalStorage::WriteTemporary(std::string_view key, Fill fill, std::string* tmp_path) {
  std::string dir = ParentOf(PathOf(key));
  int fd = -1;
  for (int attempt = 0;; ++attempt) {
    SWELL_RETURN_IF_ERROR(EnsureParentDirectories(key));
    *tmp_path = dir + "/" + std::string(kTmpPrefix) + std::to_string(::getpid()) + "-" +
                std::to_string(next_tmp_.fetch_add(1));
    fd = ::open(tmp_path->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) break;
    // A concurrent Delete may have removed the (then empty) directory between
    // the mkdir and the open: create it again.
    if (errno != ENOENT || attempt >= kDirectoryRaceRetries) return Status::FromErrno(*tmp_path, errno);
  }
  Status s = fill(fd);
  if (s.ok() && ::fsync(fd) != 0) s = Status::FromErrno("fsync " + *tmp_path, errno);
  if (::close(fd) != 0 && s.ok()) s = Status::FromErrno("close " + *tmp_path, errno);
  if (!s.ok()) ::unlink(tmp_path->c_str());
  return s;
}

Status LocalStorage::Put(std::string_view key, std::string_view bytes) {
  SWELL_RETURN_IF_ERROR(ValidateKey(key));
  std::string tmp;
  SWELL_RETURN_IF_ERROR(WriteTemporary(
      key, [&](int fd) { return WriteAll(fd, bytes, tmp); }, &tmp));
  std::string path = PathOf(key);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = Status::FromErrno("rename " + tmp + " -> " + path, errno);
    ::unlink(tmp.c_str());
    return s;
  }
  return FsyncDirectory(ParentOf(path));
}

Status LocalStorage::PutIfAbsent(std::string_view key, std::string_view bytes, bool* created) {
  SWELL_RETURN_IF_ERROR(ValidateKey(key));
  *created = false;
  std::string tmp;
  SWELL_RETURN_IF_ERROR(WriteTemporary(
      key, [&](int fd) { return WriteAll(fd, bytes, tmp); }, &tmp));
  std::string path = PathOf(key);
  // link() fails with EEXIST instead of replacing: the existence check and the
  // publication are one step, and the target is complete when it appears.
  int rc = ::link(tmp.c_str(), path.c_str());
  int err = errno;
  ::unlink(tmp.c_str());
  if (rc != 0) {
    if (err == EEXIST) return Status::OK();
    return Status::FromErrno("link " + tmp + " -> " + path, err);
  }
  *created = true;
  return FsyncDirectory(ParentOf(path));
}

Status LocalStorage::PutFile(std::string_view key, const std::string& local_path) {
  SWELL_RETURN_IF_ERROR(ValidateKey(key));
  int in = -1;
  uint64_t size = 0;
  Status s = OpenForRead(local_path, &in, &size);
  if (!s.ok()) return s;
  std::string tmp;
  s = WriteTemporary(
      key,
      [&](int fd) -> Status {
        std::string buf(1 << 20, '\0');
        for (;;) {
          ssize_t r = ::read(in, buf.data(), buf.size());
          if (r < 0) {
            if (errno == EINTR) continue;
            return Status::FromErrno(local_path, errno);
          }
          if (r == 0) return Status::OK();
          SWELL_RETURN_IF_ERROR(WriteAll(fd, std::string_view(buf.data(), static_cast<size_t>(r)), tmp));
        }
      },
      &tmp);
  ::close(in);
  SWELL_RETURN_IF_ERROR(s);
  std::string path = PathOf(key);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    s = Status::FromErrno("rename " + tmp + " -> " + path, errno);
    ::unlink(tmp.c_str());
    return s;
  }
  return FsyncDirectory(ParentOf(path));
}

Status LocalStorage::Get(std::string_view key, std::string* bytes) {
  SWELL_RETURN_IF_ERROR(ValidateKey(key));
  std::string path = PathOf(key);
  int fd = -1;
  uint64_t size = 0;
  SWELL_RETURN_IF_ERROR(OpenForRead(path, &fd, &size));
  Status s = PreadExactly(fd, 0, size, bytes, path);
  ::close(fd);
  return s;
}

Status LocalStorage::GetRange(std::string_view key, uint64_t offset, uint64_t length, std::string* bytes) {
  SWELL_RETURN_IF_ERROR(ValidateKey(key));
  std::string path = PathOf(key);
  int fd = -1;
  uint64_t size = 0;
  SWELL_RETURN_IF_ERROR(OpenForRead(path, &fd, &size));
  if (offset > size) {
    ::close(fd);
    return Status::InvalidArgument(path + ": range starts past the end of the object");
  }
  uint64_t n = std::min(length, size - offset);
  Status s = PreadExactly(fd, offset, static_cast<size_t>(n), bytes, path);
  ::close(fd);
  return s;
}

Status LocalStorage::Size(std::string_view key, uint64_t* size) {
  SWELL_RETURN_IF_ERROR(ValidateKey(key));
  std::string path = PathOf(key);
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::NotFound(path);
    return Status::FromErrno(path, errno);
  }
  if (!S_ISREG(st.st_mode)) return Status::NotFound(path);
  *size = static_cast<uint64_t>(st.st_size);
  return Status::OK();
}

namespace {

// Appends the regular files under dir (whose key prefix is key_dir, "" or
// ending in '/') whose keys start with prefix. Hidden names (temporaries) and
// symbolic links are skipped: neither is an object of the store.
Status Walk(const std::string& dir, const std::string& key_dir, std::string_view prefix,
            std::vector<ObjectInfo>* out) {
  std::vector<std::string> names;
  Status s = ListDirectory(dir, &names);
  if (s.IsNotFound()) return Status::OK();  // removed by a concurrent Delete
  SWELL_RETURN_IF_ERROR(s);
  for (const std::string& name : names) {
    if (name.empty() || name.front() == '.') continue;
    std::string key = key_dir + name;
    std::string path = dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;
      return Status::FromErrno(path, errno);
    }
    if (S_ISDIR(st.st_mode)) {
      std::string sub = key + "/";
      // Descend only where a match can be: sub extends prefix or prefix extends sub.
      if (sub.starts_with(prefix) || prefix.starts_with(sub)) {
        SWELL_RETURN_IF_ERROR(Walk(path, sub, prefix, out));
      }
    } else if (S_ISREG(st.st_mode) && key.starts_with(prefix)) {
      out->push_back({std::move(key), static_cast<uint64_t>(st.st_size), MtimeMs(st)});
    }
  }
  return Status::OK();
}

}  // namespace

Status LocalStorage::ListObjects(std::string_view prefix, std::vector<ObjectInfo>* objects) {
  SWELL_RETURN_IF_ERROR(ValidatePrefix(prefix));
  objects->clear();
  size_t slash = prefix.find_last_of('/');
  std::string key_dir = slash == std::string_view::npos ? "" : std::string(prefix.substr(0, slash + 1));
  std::string dir = key_dir.empty() ? root_ : PathOf(std::string_view(key_dir).substr(0, key_dir.size() - 1));
  SWELL_RETURN_IF_ERROR(Walk(dir, key_dir, prefix, objects));
  // Directory order sorts "a/b" before "a-c/" differently from key order.
  std::sort(objects->begin(), objects->end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return Status::OK();
}

Status LocalStorage::Delete(std::string_view key) {
  SWELL_RETURN_IF_ERROR(ValidateKey(key));
  std::string path = PathOf(key);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::OK();
    return Status::FromErrno("unlink " + path, errno);
  }
  // Remove the directories this leaves empty, innermost first; stop at the
  // first that still holds something (or at the root).
  std::string_view k = key;
  for (;;) {
    size_t slash = k.find_last_of('/');
    if (slash == std::string_view::npos) break;
    k = k.substr(0, slash);
    if (::rmdir(PathOf(k).c_str()) != 0) break;
  }
  return Status::OK();
}

namespace {

Status RemoveTemporariesUnder(const std::string& dir, int64_t cutoff_ms, int* removed) {
  std::vector<std::string> names;
  Status s = ListDirectory(dir, &names);
  if (s.IsNotFound()) return Status::OK();
  SWELL_RETURN_IF_ERROR(s);
  for (const std::string& name : names) {
    std::string path = dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (name.front() != '.') SWELL_RETURN_IF_ERROR(RemoveTemporariesUnder(path, cutoff_ms, removed));
    } else if (S_ISREG(st.st_mode) && std::string_view(name).starts_with(kTmpPrefix) &&
               MtimeMs(st) <= cutoff_ms) {
      if (::unlink(path.c_str()) == 0) ++*removed;
    }
  }
  return Status::OK();
}

}  // namespace

Status LocalStorage::RemoveStaleTemporaries(int64_t min_age_ms, int* removed) {
  *removed = 0;
  return RemoveTemporariesUnder(root_, NowMs() - min_age_ms, removed);
}

}  // namespace swell::lake
