#include "lake/manifest.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "util/crc32c.h"
#include "util/json_writer.h"

namespace swell::lake {

namespace {

constexpr std::string_view kFormatName = "swell-manifest";
constexpr uint64_t kFormatVersion = 1;
// The checksum is the last member; it covers every byte before this marker.
constexpr std::string_view kChecksumMarker = ",\"checksum\":\"";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Hex32(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

// "v<20 digits>.json": CURRENT holds the version object's name within
// _manifest/, as LevelDB's CURRENT names its MANIFEST.
std::string CurrentContent(uint64_t version) {
  return ManifestVersionKey(version).substr(kManifestDir.size()) + "\n";
}

bool ParseCurrent(std::string_view text, uint64_t* version) {
  if (!text.ends_with('\n')) return false;  // a torn write would lack it
  text.remove_suffix(1);
  return ParseManifestVersionKey(std::string(kManifestDir) + std::string(text), version);
}

Status CheckFileEntry(const LakeFile& f) {
  LakeKey parsed;
  if (!ParseLakeKey(f.key, &parsed)) return Status::InvalidArgument("not a lake file key: " + f.key);
  if (parsed.kind != f.kind || parsed.app_id != f.app_id || parsed.date != f.date)
    return Status::InvalidArgument("kind, app_id or date disagree with the key: " + f.key);
  if (f.min_time_ms > f.max_time_ms) return Status::InvalidArgument("min_time_ms > max_time_ms: " + f.key);
  return Status::OK();
}

Status Conflict(uint64_t base, std::string_view why) {
  return Status::Aborted("manifest commit on version " + std::to_string(base) + " lost: " + std::string(why) +
                         "; reload and retry");
}

}  // namespace

const LakeFile* Snapshot::Find(std::string_view key) const {
  auto it = std::lower_bound(files.begin(), files.end(), key,
                             [](const LakeFile& f, std::string_view k) { return f.key < k; });
  return it != files.end() && it->key == key ? &*it : nullptr;
}

std::vector<const LakeFile*> Snapshot::Select(FileKind kind, std::string_view app_id, std::string_view from_date,
                                              std::string_view to_date) const {
  std::vector<const LakeFile*> out;
  for (const LakeFile& f : files) {
    if (f.kind != kind || f.app_id != app_id) continue;
    // "YYYY-MM-DD" compares as text in calendar order.
    if (kind != FileKind::kUsers && (f.date < from_date || f.date > to_date)) continue;
    out.push_back(&f);
  }
  return out;
}

std::string Manifest::Encode(const Snapshot& s) {
  JsonWriter w;
  w.BeginObject();
  w.Key("format").String(kFormatName);
  w.Key("format_version").Uint(kFormatVersion);
  w.Key("version").Uint(s.version);
  w.Key("parent").Uint(s.parent);
  w.Key("committed_ms").Int(s.committed_ms);
  w.Key("covered_lsn").Uint(s.covered_lsn);
  w.Key("files").BeginArray();
  for (const LakeFile& f : s.files) {
    w.BeginObject();
    w.Key("kind").String(FileKindName(f.kind));
    w.Key("app_id").String(f.app_id);
    if (f.kind != FileKind::kUsers) w.Key("date").String(f.date);
    w.Key("key").String(f.key);
    w.Key("size").Uint(f.size);
    w.Key("rows").Uint(f.rows);
    w.Key("min_time_ms").Int(f.min_time_ms);
    w.Key("max_time_ms").Int(f.max_time_ms);
    if (f.sealed_lsn != 0) w.Key("sealed_lsn").Uint(f.sealed_lsn);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  std::string body = w.Take();
  body.pop_back();  // reopen the object to append the checksum member last
  std::string text = body;
  text += kChecksumMarker;
  text += Hex32(crc32c::Value(body));
  text += "\"}\n";
  return text;
}

Status Manifest::Decode(std::string_view text, Snapshot* out) {
  // Checksum first: the last kChecksumMarker, then 8 hex digits, "\"}" and an
  // optional newline.
  size_t pos = text.rfind(kChecksumMarker);
  if (pos == std::string_view::npos) return Status::Corruption("manifest: no checksum");
  std::string_view tail = text.substr(pos + kChecksumMarker.size());
  if (tail.size() < 10 || (tail.substr(8) != "\"}" && tail.substr(8) != "\"}\n"))
    return Status::Corruption("manifest: malformed checksum member");
  std::string_view hex = tail.substr(0, 8);
  if (Hex32(crc32c::Value(text.substr(0, pos))) != hex)
    return Status::Corruption("manifest: checksum mismatch");

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS)
    return Status::Corruption("manifest: not valid JSON");
  auto bad = [](std::string_view what) { return Status::Corruption("manifest: " + std::string(what)); };
  std::string_view format;
  uint64_t format_version = 0;
  if (root["format"].get_string().get(format) != simdjson::SUCCESS || format != kFormatName)
    return bad("not a swell manifest");
  if (root["format_version"].get_uint64().get(format_version) != simdjson::SUCCESS ||
      format_version != kFormatVersion)
    return Status::NotSupported("manifest: format_version " + std::to_string(format_version));
  Snapshot s;
  if (root["version"].get_uint64().get(s.version) != simdjson::SUCCESS || s.version == 0) return bad("version");
  if (root["parent"].get_uint64().get(s.parent) != simdjson::SUCCESS || s.parent >= s.version)
    return bad("parent");
  if (root["committed_ms"].get_int64().get(s.committed_ms) != simdjson::SUCCESS) return bad("committed_ms");
  if (root["covered_lsn"].get_uint64().get(s.covered_lsn) != simdjson::SUCCESS) return bad("covered_lsn");
  simdjson::dom::array files;
  if (root["files"].get_array().get(files) != simdjson::SUCCESS) return bad("files");
  for (simdjson::dom::element e : files) {
    LakeFile f;
    std::string_view kind, app, date, key;
    if (e["kind"].get_string().get(kind) != simdjson::SUCCESS || !ParseFileKind(kind, &f.kind))
      return bad("file kind");
    if (e["app_id"].get_string().get(app) != simdjson::SUCCESS) return bad("file app_id");
    if (f.kind != FileKind::kUsers && e["date"].get_string().get(date) != simdjson::SUCCESS)
      return bad("file date");
    if (e["key"].get_string().get(key) != simdjson::SUCCESS) return bad("file key");
    if (e["size"].get_uint64().get(f.size) != simdjson::SUCCESS || e["rows"].get_uint64().get(f.rows) != simdjson::SUCCESS ||
        e["min_time_ms"].get_int64().get(f.min_time_ms) != simdjson::SUCCESS ||
        e["max_time_ms"].get_int64().get(f.max_time_ms) != simdjson::SUCCESS)
      return bad("file numbers");
    if (auto lsn = e["sealed_lsn"]; lsn.error() != simdjson::NO_SUCH_FIELD &&
                                    lsn.get_uint64().get(f.sealed_lsn) != simdjson::SUCCESS)
      return bad("file sealed_lsn");
    f.app_id = std::string(app);
    f.date = std::string(date);
    f.key = std::string(key);
    Status st = CheckFileEntry(f);
    if (!st.ok()) return bad(st.message());
    if (!s.files.empty() && !(s.files.back().key < f.key)) return bad("files not sorted by key or not unique");
    s.files.push_back(std::move(f));
  }
  *out = std::move(s);
  return Status::OK();
}

Status Manifest::LoadVersion(Storage* storage, uint64_t version, Snapshot* out) {
  if (version == 0) return Status::InvalidArgument("manifest version 0 is the empty lake");
  std::string key = ManifestVersionKey(version);
  std::string text;
  SWELL_RETURN_IF_ERROR(storage->Get(key, &text));
  Status s = Decode(text, out);
  if (!s.ok()) return s.WithContext(key);
  if (out->version != version) return Status::Corruption(key + ": holds version " + std::to_string(out->version));
  return Status::OK();
}

Status Manifest::Load(Storage* storage, Snapshot* out, LoadReport* report) {
  LoadReport local;
  LoadReport* r = report ? report : &local;
  *r = LoadReport();
  std::set<uint64_t> damaged;

  // Fast path: CURRENT, then roll forward while newer versions exist.
  std::string current;
  uint64_t hint = 0;
  Status s = storage->Get(kManifestCurrentKey, &current);
  bool current_exists = !s.IsNotFound();
  if (!s.ok() && !s.IsNotFound()) return s;
  if (s.ok() && ParseCurrent(current, &hint)) {
    Snapshot snap;
    s = LoadVersion(storage, hint, &snap);
    if (s.ok()) {
      for (;;) {
        Snapshot next;
        Status n = LoadVersion(storage, snap.version + 1, &next);
        if (n.IsNotFound()) break;
        if (n.IsCorruption() || n.IsNotSupported()) {
          r->damaged_versions.push_back(snap.version + 1);
          break;
        }
        SWELL_RETURN_IF_ERROR(n);
        snap = std::move(next);
      }
      r->from_current = true;
      *out = std::move(snap);
      return Status::OK();
    }
    if (s.IsCorruption() || s.IsNotSupported()) damaged.insert(hint);
    else if (!s.IsNotFound()) return s;
  }

  // Slow path: every version object, newest first.
  std::vector<std::string> keys;
  SWELL_RETURN_IF_ERROR(storage->List(kManifestDir, &keys));
  std::vector<uint64_t> versions;
  for (const std::string& k : keys) {
    uint64_t v;
    if (ParseManifestVersionKey(k, &v)) versions.push_back(v);
  }
  std::sort(versions.rbegin(), versions.rend());
  for (uint64_t v : versions) {
    Snapshot snap;
    s = LoadVersion(storage, v, &snap);
    if (s.ok()) {
      r->damaged_versions.assign(damaged.rbegin(), damaged.rend());
      *out = std::move(snap);
      return Status::OK();
    }
    if (s.IsCorruption() || s.IsNotSupported()) damaged.insert(v);
    else if (!s.IsNotFound()) return s;  // NotFound: removed by a sweep meanwhile
  }
  r->damaged_versions.assign(damaged.rbegin(), damaged.rend());
  if (!damaged.empty() || current_exists)
    return Status::Corruption("manifest: no intact version in " + std::string(kManifestDir));
  *out = Snapshot();
  return Status::OK();
}

Status Manifest::Commit(Storage* storage, uint64_t base_version, const ManifestEdit& edit,
                        uint64_t* new_version, int64_t now_ms) {
  Snapshot base;
  if (base_version > 0) {
    Status s = LoadVersion(storage, base_version, &base);
    if (s.IsNotFound()) return Conflict(base_version, "it no longer exists");
    SWELL_RETURN_IF_ERROR(s);
  }
  const uint64_t next = base_version + 1;
  const std::string next_key = ManifestVersionKey(next);

  // Cheap early conflict checks; the create-only write below is the real one.
  uint64_t size = 0;
  Status s = storage->Size(next_key, &size);
  if (s.ok()) return Conflict(base_version, "version " + std::to_string(next) + " exists");
  if (!s.IsNotFound()) return s;
  std::string current;
  s = storage->Get(kManifestCurrentKey, &current);
  uint64_t hint = 0;
  if (s.ok() && ParseCurrent(current, &hint) && hint > base_version)
    return Conflict(base_version, "CURRENT names version " + std::to_string(hint));
  if (!s.ok() && !s.IsNotFound()) return s;

  // Apply the edit.
  std::map<std::string, LakeFile> live;
  for (const LakeFile& f : base.files) live.emplace(f.key, f);
  for (const std::string& key : edit.remove) {
    if (live.erase(key) == 0) return Status::InvalidArgument("manifest edit removes a file that is not live: " + key);
  }
  for (const LakeFile& f : edit.add) {
    SWELL_RETURN_IF_ERROR(CheckFileEntry(f));
    if (base.Find(f.key) != nullptr || live.count(f.key) != 0)
      return Status::InvalidArgument("manifest edit adds a key that is or was live: " + f.key);
    // The crash-safety rule: a version never names a file that is not
    // completely written.
    uint64_t actual = 0;
    s = storage->Size(f.key, &actual);
    if (s.IsNotFound()) return Status::InvalidArgument("manifest edit adds a missing file: " + f.key);
    SWELL_RETURN_IF_ERROR(s);
    if (actual != f.size)
      return Status::InvalidArgument("manifest edit adds " + f.key + " with size " + std::to_string(f.size) +
                                     " but the object has " + std::to_string(actual));
    live.emplace(f.key, f);
  }
  if (edit.covered_lsn != 0 && edit.covered_lsn < base.covered_lsn)
    return Status::InvalidArgument("manifest edit moves covered_lsn back from " + std::to_string(base.covered_lsn) +
                                   " to " + std::to_string(edit.covered_lsn));

  Snapshot snap;
  snap.version = next;
  snap.parent = base_version;
  snap.covered_lsn = std::max(base.covered_lsn, edit.covered_lsn);
  snap.committed_ms = now_ms != 0 ? now_ms : NowMs();
  snap.files.reserve(live.size());
  for (auto& [key, f] : live) snap.files.push_back(std::move(f));

  bool created = false;
  SWELL_RETURN_IF_ERROR(storage->PutIfAbsent(next_key, Encode(snap), &created));
  if (!created) return Conflict(base_version, "version " + std::to_string(next) + " was committed concurrently");
  *new_version = next;
  // The commit stands from here on. CURRENT only saves readers a probe: if
  // this write fails, Load still finds the new version by rolling forward.
  storage->Put(kManifestCurrentKey, CurrentContent(next)).ok();
  return Status::OK();
}

Status Manifest::SweepOrphans(Storage* storage, const Snapshot& snapshot, const SweepOptions& options,
                              SweepStats* stats) {
  SweepStats local;
  SweepStats* st = stats ? stats : &local;
  *st = SweepStats();
  const int64_t now = options.now_ms != 0 ? options.now_ms : NowMs();
  auto old_enough = [&](int64_t modified_ms) { return now - modified_ms >= options.min_age_ms; };

  const uint64_t keep = std::max<uint64_t>(options.retain_versions, 1);
  const uint64_t oldest_retained = snapshot.version >= keep ? snapshot.version - keep + 1 : 1;

  std::vector<ObjectInfo> manifest_objects;
  SWELL_RETURN_IF_ERROR(storage->ListObjects(kManifestDir, &manifest_objects));
  std::set<std::string> referenced;
  for (const LakeFile& f : snapshot.files) referenced.insert(f.key);
  std::vector<std::string> expired_versions;
  for (const ObjectInfo& o : manifest_objects) {
    uint64_t v;
    if (!ParseManifestVersionKey(o.key, &v)) continue;
    if (v < oldest_retained && old_enough(o.modified_ms)) {
      expired_versions.push_back(o.key);
      continue;
    }
    // A retained version that cannot be read may name files we cannot see:
    // deleting anything now could delete live data.
    Snapshot snap;
    Status s = LoadVersion(storage, v, &snap);
    if (s.IsNotFound()) continue;  // swept concurrently
    if (!s.ok()) return s.WithContext("sweep stopped, nothing deleted");
    for (const LakeFile& f : snap.files) referenced.insert(f.key);
  }

  // CURRENT may still name an expired version (a crash between a commit and
  // its CURRENT write, then a Load that rolled forward): point it at a
  // retained one first, so that it never names a deleted version.
  if (!expired_versions.empty()) {
    std::string current;
    uint64_t named = 0;
    Status cs = storage->Get(kManifestCurrentKey, &current);
    if (!cs.ok() && !cs.IsNotFound()) return cs.WithContext("sweep stopped, nothing deleted");
    if (!cs.ok() || !ParseCurrent(current, &named) || named < oldest_retained)
      SWELL_RETURN_IF_ERROR(storage->Put(kManifestCurrentKey, CurrentContent(snapshot.version))
                                .WithContext("sweep stopped, nothing deleted"));
  }

  // Versions first, oldest first: no version ever names a deleted file, and
  // an interrupted sweep leaves a contiguous run of versions.
  for (const std::string& key : expired_versions) {
    SWELL_RETURN_IF_ERROR(storage->Delete(key));
    ++st->deleted_versions;
  }
  for (std::string_view prefix : {"events/", "sets/", "users/", "raw/"}) {
    std::vector<ObjectInfo> objects;
    SWELL_RETURN_IF_ERROR(storage->ListObjects(prefix, &objects));
    for (const ObjectInfo& o : objects) {
      if (referenced.count(o.key) != 0) continue;
      if (!old_enough(o.modified_ms)) {
        ++st->kept_young;
        continue;
      }
      SWELL_RETURN_IF_ERROR(storage->Delete(o.key));
      ++st->deleted_files;
    }
  }
  return Status::OK();
}

}  // namespace swell::lake
