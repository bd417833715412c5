#include "speed/user_dictionary.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "sketch/theta_hash.h"
#include "util/coding.h"
#include "util/crc32c.h"
#include "util/file_util.h"

namespace swell::speed {

namespace {

// Record: masked crc32c (fixed32) of the length and key bytes, key length
// (fixed32), key bytes.
constexpr size_t kRecordHeader = 8;
// Guards against a garbage length making us allocate wildly.
constexpr uint32_t kMaxKeyBytes = 1u << 20;


}  // namespace

uint64_t UserDictionary::ItemHashOfKey(std::string_view key) {
  if (key.size() >= 2 && (key[0] == 'u' || key[0] == 'd') && key[1] == ':') key.remove_prefix(2);
  if (key.empty()) return 0;
  // The seed of the lake's sets/ sketches (lake::kSetsSketchSeed).
  return ThetaHashBytes(key.data(), key.size(), kThetaDefaultSeed);
}

void AppendUserRecord(std::string* dst, std::string_view key) {
  std::string body;
  PutFixed32(&body, static_cast<uint32_t>(key.size()));
  body.append(key);
  PutFixed32(dst, crc32c::Mask(crc32c::Value(body)));
  dst->append(body);
}

UserDictionary::~UserDictionary() {
  if (fd_ >= 0) {
    (void)Flush();
    ::close(fd_);
  }
}

Status UserDictionary::Open(const std::string& path, std::unique_ptr<UserDictionary>* out) {
  std::unique_ptr<UserDictionary> dict(new UserDictionary());
  dict->path_ = path;
  if (path.empty()) {
    *out = std::move(dict);
    return Status::OK();
  }
  std::string contents;
  Status st = ReadFileToString(path, &contents);
  bool existed = st.ok();
  if (!st.ok() && !st.IsNotFound()) return st;

  dict->fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (dict->fd_ < 0) return Status::FromErrno(path, errno);
  if (!existed) {
    auto slash = path.find_last_of('/');
    if (slash != std::string::npos) SWELL_RETURN_IF_ERROR(FsyncDirectory(path.substr(0, slash)));
  }

  uint64_t good = 0;
  if (contents.size() >= kMagic.size()) {
    if (std::string_view(contents).substr(0, kMagic.size()) != kMagic)
      return Status::Corruption(path + ": not a user dictionary (bad magic)");
    SWELL_RETURN_IF_ERROR(dict->Load(contents));
    good = contents.size() - dict->truncated_bytes_;
  } else {
    // Absent, or torn while its header was being written: start afresh.
    dict->truncated_bytes_ = contents.size();
    if (::ftruncate(dict->fd_, 0) != 0) return Status::FromErrno(path, errno);
    SWELL_RETURN_IF_ERROR(WriteAll(dict->fd_, kMagic, path));
    if (::fsync(dict->fd_) != 0) return Status::FromErrno(path, errno);
    good = kMagic.size();
  }
  if (dict->truncated_bytes_ > 0 && good >= kMagic.size()) {
    // Cut the torn tail so that new records follow the last good one.
    if (::ftruncate(dict->fd_, static_cast<off_t>(good)) != 0) return Status::FromErrno(path, errno);
  }
  if (::lseek(dict->fd_, static_cast<off_t>(good), SEEK_SET) < 0) return Status::FromErrno(path, errno);
  *out = std::move(dict);
  return Status::OK();
}

Status UserDictionary::Load(const std::string& contents) {
  std::string_view in(contents);
  in.remove_prefix(kMagic.size());
  while (!in.empty()) {
    if (in.size() < kRecordHeader) break;
    uint32_t masked = DecodeFixed32(in.data());
    uint32_t len = DecodeFixed32(in.data() + 4);
    if (len > kMaxKeyBytes || in.size() - kRecordHeader < len) break;
    std::string_view body = in.substr(4, 4 + len);
    if (crc32c::Unmask(masked) != crc32c::Value(body)) break;
    std::string_view key = body.substr(4);
    if (keys_.Find(key) != Interner::kMissing)
      return Status::Corruption(path_ + ": user key recorded twice");
    keys_.Intern(key);
    item_hashes_.push_back(ItemHashOfKey(key));
    in.remove_prefix(kRecordHeader + len);
  }
  truncated_bytes_ = in.size();
  return Status::OK();
}

uint32_t UserDictionary::GetOrAdd(std::string_view key) {
  uint32_t id = keys_.Find(key);
  if (id != Interner::kMissing) return id;
  id = keys_.Intern(key);
  item_hashes_.push_back(ItemHashOfKey(key));
  if (fd_ >= 0) AppendUserRecord(&pending_, key);
  return id;
}

Status UserDictionary::Flush() {
  if (fd_ < 0 || pending_.empty()) return Status::OK();
  const off_t at = ::lseek(fd_, 0, SEEK_CUR);
  if (at < 0) return Status::FromErrno("lseek " + path_, errno);
  Status st = WriteAll(fd_, pending_, path_);
  if (st.ok()) {
    pending_.clear();
    return st;
  }
  // A full disk can take part of the records. They stay pending and are
  // written again from the same offset (what is pending only grows, so the
  // next write covers the torn bytes); left in place, they would end Load
  // in the middle of the file and lose every user number after them.
  if (::lseek(fd_, at, SEEK_SET) < 0) return Status::FromErrno("lseek " + path_, errno);
  (void)::ftruncate(fd_, at);
  return st;
}

Status UserDictionary::Sync() {
  SWELL_RETURN_IF_ERROR(Flush());
  if (fd_ >= 0 && ::fsync(fd_) != 0) return Status::FromErrno("fsync " + path_, errno);
  return Status::OK();
}

}  // namespace swell::speed
