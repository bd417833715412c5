// Durable file operations: the primitives every on-disk format builds on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swell {

Status ReadFileToString(const std::string& path, std::string* out);
// Writes all of data to fd, retrying short writes and EINTR; errors name path.
Status WriteAll(int fd, std::string_view data, const std::string& path);
// Writes data to path via a temporary file, fsyncs it, renames it into place
// and fsyncs the directory: after OK the new content survives a crash, and a
// crash before leaves the old content.
Status WriteFileAtomic(const std::string& path, std::string_view data);
Status FsyncDirectory(const std::string& dir);
// mkdir -p
Status CreateDirectories(const std::string& dir);
// Names (not paths) of the entries of dir, sorted.
Status ListDirectory(const std::string& dir, std::vector<std::string>* names);
bool FileExists(const std::string& path);

}  // namespace swell
