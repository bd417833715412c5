#include "seal/sealer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <numeric>

#include "event/event_codec.h"
#include "lake/event_file_reader.h"
#include "lake/event_file_writer.h"
#include "lake/events_schema.h"
#include "lake/layout.h"
#include "lake/manifest.h"
#include "lake/promoted_columns.h"
#include "lake/raw_file.h"
#include "lake/sets_file.h"
#include "lake/users_file.h"
#include "speed/app_state.h"
#include "util/file_util.h"
#include "util/parallel.h"
#include "wal/record_lookup.h"

namespace swell::seal {

namespace {

constexpr int64_t kMsPerHour = 3'600'000;
constexpr int64_t kMsPerDay = 86'400'000;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// A staging file removed when it goes out of scope, stored or not.
class StagingFile {
 public:
  explicit StagingFile(const std::string& dir) : path_(dir + "/" + lake::NewPartId() + ".tmp") {}
  ~StagingFile() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Events with their user numbers, sorted into the lake's order.
void SortForLake(std::vector<Event>* events, std::vector<uint32_t>* users) {
  std::vector<uint32_t> order(events->size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return lake::EventLess((*events)[a], (*events)[b]); });
  std::vector<Event> sorted_events;
  std::vector<uint32_t> sorted_users;
  sorted_events.reserve(order.size());
  sorted_users.reserve(order.size());
  for (uint32_t i : order) {
    sorted_events.push_back(std::move((*events)[i]));
    sorted_users.push_back((*users)[i]);
  }
  *events = std::move(sorted_events);
  *users = std::move(sorted_users);
}

}  // namespace

void SealStats::Add(const SealStats& o) {
  partitions += o.partitions;
  events_sealed += o.events_sealed;
  events_written += o.events_written;
  files_written += o.files_written;
  bytes_written += o.bytes_written;
  evicted += o.evicted;
  commits += o.commits;
}

struct Sealer::HeldEvents {
  int32_t day = 0;
  uint64_t cut = 0;
  std::vector<speed::AppState::RowLocator> rows;  // sorted by (lsn, batch_index)
  std::vector<Event> events;                      // rows' events, in the same order
  std::vector<uint32_t> users;
};

struct Sealer::DayBuild {
  int32_t day = 0;
  std::string date;
  bool nothing = true;  // nothing held for the day (or no raw files): no commit
  bool from_raw = false;
  uint64_t cut = 0;      // rows with lsn <= cut were taken from the speed layer
  uint64_t sealed_rows = 0;
  uint64_t written_rows = 0;
  std::vector<lake::LakeFile> add;  // stored in the lake (the users part too, once made)
  std::vector<std::string> remove;
  uint64_t bytes = 0;
  bool commit_tried = false;  // Manifest::Commit ran: a version after base_version may name add
  uint64_t base_version = 0;
};

Sealer::Sealer(lake::Storage* storage, lake::SnapshotHolder* holder, speed::SpeedLayer* speed, SealOptions options)
    : storage_(storage), holder_(holder), speed_(speed), options_(std::move(options)) {}

Status Sealer::HeldDays(const std::string& app_id, int64_t closed_before_ms, std::vector<int32_t>* days) const {
  days->clear();
  Status st = speed_->ReadApp(app_id, [&](const speed::AppState& app) {
    for (const auto& [hour, buf] : app.hours()) {
      if (buf->rows() == 0) continue;
      if (closed_before_ms != INT64_MAX && (hour + 1) * kMsPerHour > closed_before_ms) continue;
      int32_t day = static_cast<int32_t>(FloorDiv(hour, 24));
      if (days->empty() || days->back() != day) days->push_back(day);
    }
    return Status::OK();
  });
  return st.IsNotFound() ? Status::OK() : st;
}

Status Sealer::SealDays(const std::string& app_id, int32_t first_day, int32_t last_day, SealStats* stats) {
  std::lock_guard lock(seal_mu_);
  std::vector<int32_t> held, days;
  SWELL_RETURN_IF_ERROR(HeldDays(app_id, INT64_MAX, &held));
  for (int32_t d : held)
    if (d >= first_day && d <= last_day) days.push_back(d);
  return RunDays(app_id, days, false, stats);
}

Status Sealer::SealClosed(int64_t closed_before_ms, SealStats* stats) {
  std::lock_guard lock(seal_mu_);
  for (const std::string& app_id : speed_->AppIds()) {
    std::vector<int32_t> days;
    SWELL_RETURN_IF_ERROR(HeldDays(app_id, closed_before_ms, &days));
    SWELL_RETURN_IF_ERROR(RunDays(app_id, days, false, stats));
  }
  return Status::OK();
}

Status Sealer::RebuildFromRaw(const std::string& app_id, int32_t first_day, int32_t last_day, SealStats* stats) {
  std::lock_guard lock(seal_mu_);
  std::vector<int32_t> days;
  std::shared_ptr<const lake::Snapshot> base = holder_->Get();
  for (const lake::LakeFile* f :
       base->Select(lake::FileKind::kRaw, app_id, lake::DateString(first_day), lake::DateString(last_day))) {
    int32_t day;
    if (lake::ParseDate(f->date, &day) && (days.empty() || days.back() != day)) days.push_back(day);
  }
  return RunDays(app_id, days, true, stats);
}

Status Sealer::CollectHeld(const std::string& app_id, const std::vector<int32_t>& days,
                           std::vector<HeldEvents>* out) {
  out->assign(days.size(), HeldEvents());
  Status st = speed_->ReadApp(app_id, [&](const speed::AppState& app) {
    for (size_t i = 0; i < days.size(); ++i) {
      HeldEvents& h = (*out)[i];
      h.day = days[i];
      h.cut = app.last_lsn();
      app.CollectRows(int64_t{days[i]} * 24, int64_t{days[i]} * 24 + 24, h.cut, &h.rows);
    }
    return Status::OK();
  });
  if (st.IsNotFound()) return Status::OK();
  SWELL_RETURN_IF_ERROR(st);
  // Where each wanted (lsn, index) goes: (day slot, row).
  struct Want {
    uint64_t lsn;
    uint32_t batch_index;
    uint32_t slot;
    uint32_t row;
  };
  std::vector<Want> wants;
  for (size_t i = 0; i < out->size(); ++i) {
    HeldEvents& h = (*out)[i];
    std::sort(h.rows.begin(), h.rows.end(), [](const auto& a, const auto& b) {
      return a.lsn != b.lsn ? a.lsn < b.lsn : a.batch_index < b.batch_index;
    });
    h.events.resize(h.rows.size());
    h.users.resize(h.rows.size());
    for (size_t r = 0; r < h.rows.size(); ++r) {
      wants.push_back({h.rows[r].lsn, h.rows[r].batch_index, static_cast<uint32_t>(i), static_cast<uint32_t>(r)});
      h.users[r] = h.rows[r].user;
    }
  }
  std::sort(wants.begin(), wants.end(),
            [](const Want& a, const Want& b) { return a.lsn != b.lsn ? a.lsn < b.lsn : a.batch_index < b.batch_index; });
  std::vector<uint64_t> lsns;
  for (const Want& w : wants)
    if (lsns.empty() || lsns.back() != w.lsn) lsns.push_back(w.lsn);
  size_t next = 0;
  return wal::ReadRecords(options_.wal_dir, lsns, [&](uint64_t lsn, std::string_view payload) {
    EventBatch batch;
    SWELL_RETURN_IF_ERROR(DecodeEventBatch(payload, &batch).WithContext("log record " + std::to_string(lsn)));
    if (batch.app_id != app_id)
      return Status::Corruption("log record " + std::to_string(lsn) + " belongs to app " + batch.app_id);
    for (; next < wants.size() && wants[next].lsn == lsn; ++next) {
      const Want& w = wants[next];
      if (w.batch_index >= batch.events.size())
        return Status::Corruption("log record " + std::to_string(lsn) + " has no event " +
                                  std::to_string(w.batch_index));
      (*out)[w.slot].events[w.row] = std::move(batch.events[w.batch_index]);
    }
    return Status::OK();
  });
}

Status Sealer::RunDays(const std::string& app_id, const std::vector<int32_t>& days, bool from_raw,
                       SealStats* stats) {
  if (days.empty()) return Status::OK();
  SWELL_RETURN_IF_ERROR(CreateDirectories(options_.staging_dir));
  // Passes: groups of days whose held events fit max_events_per_pass.
  std::vector<std::vector<int32_t>> passes;
  if (from_raw) {
    for (int32_t d : days) passes.push_back({d});
  } else {
    std::map<int32_t, uint64_t> held;
    SWELL_RETURN_IF_ERROR(speed_->ReadApp(app_id, [&](const speed::AppState& app) {
      for (const auto& [hour, buf] : app.hours()) held[static_cast<int32_t>(FloorDiv(hour, 24))] += buf->rows();
      return Status::OK();
    }));
    uint64_t in_pass = 0;
    for (int32_t d : days) {
      if (passes.empty() || (in_pass > 0 && in_pass + held[d] > options_.max_events_per_pass)) {
        passes.emplace_back();
        in_pass = 0;
      }
      passes.back().push_back(d);
      in_pass += held[d];
    }
  }
  SealStats total;
  for (const std::vector<int32_t>& pass : passes) {
    std::vector<HeldEvents> held;
    if (!from_raw) SWELL_RETURN_IF_ERROR(CollectHeld(app_id, pass, &held));
    const int workers = std::clamp<int>(options_.parallel, 1, static_cast<int>(pass.size()));
    std::atomic<size_t> next{0};
    std::mutex mu;
    Status first_error;
    auto work = [&] {
      for (;;) {
        {
          std::lock_guard lock(mu);
          if (!first_error.ok()) return;
        }
        size_t i = next.fetch_add(1);
        if (i >= pass.size()) return;
        DayBuild build;
        SealStats day_stats;
        // Each day builds from the newest version: commits of other days only
        // add users parts and other partitions, never touch this one.
        Status st = BuildDay(app_id, pass[i], from_raw ? nullptr : &held[i], *holder_->Get(), &build);
        if (!from_raw) held[i] = HeldEvents();  // its memory, now in the files
        if (st.ok() && !build.nothing) st = CommitDay(app_id, &build, &day_stats);
        if (!st.ok()) DiscardUncommitted(build);
        std::lock_guard lock(mu);
        if (!st.ok() && first_error.ok())
          first_error = st.WithContext("seal " + app_id + " " + lake::DateString(pass[i]));
        total.Add(day_stats);
      }
    };
    RunOnThreads(static_cast<size_t>(workers), work);
    if (!first_error.ok()) {
      if (stats) stats->Add(total);
      return first_error;
    }
  }
  if (stats) stats->Add(total);
  return Status::OK();
}

Status Sealer::BuildDay(const std::string& app_id, int32_t day, HeldEvents* held, const lake::Snapshot& base,
                        DayBuild* out) {
  const bool from_raw = held == nullptr;
  out->day = day;
  out->date = lake::DateString(day);
  out->from_raw = from_raw;
  std::vector<Event> events;
  std::vector<uint32_t> users;
  uint64_t sealed_lsn = 0;

  // The partition as the lake holds it now.
  for (const lake::LakeFile* f : base.Select(lake::FileKind::kEvents, app_id, out->date, out->date)) {
    sealed_lsn = std::max(sealed_lsn, f->sealed_lsn);
    out->remove.push_back(f->key);
    if (from_raw) continue;
    std::vector<Event> old_events;
    std::vector<uint32_t> old_users;
    SWELL_RETURN_IF_ERROR(lake::ReadEventFile(storage_, f->key, &old_events, &old_users));
    std::move(old_events.begin(), old_events.end(), std::back_inserter(events));
    users.insert(users.end(), old_users.begin(), old_users.end());
  }
  for (const lake::LakeFile* f : base.Select(lake::FileKind::kSets, app_id, out->date, out->date))
    out->remove.push_back(f->key);

  std::vector<Event> fresh;  // newly sealed, for the raw tier
  if (from_raw) {
    // The raw tier holds the day only if every seal of it kept raw files
    // (a seal with the tier off adds none): the rows must add up.
    uint64_t raw_rows = 0, lake_rows = 0;
    for (const lake::LakeFile* f : base.Select(lake::FileKind::kRaw, app_id, out->date, out->date)) raw_rows += f->rows;
    for (const lake::LakeFile* f : base.Select(lake::FileKind::kEvents, app_id, out->date, out->date))
      lake_rows += f->rows;
    if (raw_rows != lake_rows)
      return Status::NotSupported(
          "the raw tier holds " + std::to_string(raw_rows) + " events of " + out->date + " but the lake holds " +
          std::to_string(lake_rows) + " (the raw tier was off for some seal of the day); not rebuilt");
    for (const lake::LakeFile* f : base.Select(lake::FileKind::kRaw, app_id, out->date, out->date)) {
      std::vector<Event> raw;
      SWELL_RETURN_IF_ERROR(lake::ReadRawFile(storage_, f->key, &raw));
      std::move(raw.begin(), raw.end(), std::back_inserter(events));
    }
    if (events.empty()) return Status::OK();
    // Raw events carry no numbers: the dictionary gave every sealed user one.
    users.resize(events.size());
    SWELL_RETURN_IF_ERROR(speed_->ReadApp(app_id, [&](const speed::AppState& app) {
      for (size_t i = 0; i < events.size(); ++i) {
        uint32_t n = app.users().Find(events[i].UserKey());
        if (n == speed::Interner::kMissing)
          return Status::Corruption("raw event of user " + events[i].UserKey() +
                                    " that the user dictionary does not number");
        users[i] = n;
      }
      return Status::OK();
    }));
  } else {
    if (held->rows.empty()) return Status::OK();
    out->cut = held->cut;
    out->sealed_rows = held->rows.size();
    users.insert(users.end(), held->users.begin(), held->users.end());
    sealed_lsn = std::max(sealed_lsn, out->cut);
    if (options_.raw_tier) {
      fresh = std::move(held->events);
      events.insert(events.end(), fresh.begin(), fresh.end());
    } else {
      std::move(held->events.begin(), held->events.end(), std::back_inserter(events));
    }
  }
  out->nothing = false;
  SortForLake(&events, &users);
  out->written_rows = events.size();

  auto store = [&](const std::string& key, const std::string& path, uint64_t size, lake::FileKind kind,
                   uint64_t rows, int64_t min_ms, int64_t max_ms, uint64_t lsn) -> Status {
    SWELL_RETURN_IF_ERROR(storage_->PutFile(key, path));
    lake::LakeFile f;
    f.kind = kind;
    f.app_id = app_id;
    f.date = out->date;
    f.key = key;
    f.size = size;
    f.rows = rows;
    f.min_time_ms = min_ms;
    f.max_time_ms = max_ms;
    f.sealed_lsn = lsn;
    out->add.push_back(std::move(f));
    out->bytes += size;
    return Status::OK();
  };

  // events/
  lake::EventsSchema schema;
  SWELL_RETURN_IF_ERROR(
      lake::EventsSchema::Make(lake::ChoosePromotedColumns(events, options_.max_promoted_columns), &schema));
  {
    StagingFile staged(options_.staging_dir);
    lake::EventFileInfo info;
    SWELL_RETURN_IF_ERROR(
        lake::WriteEventFile(staged.path(), schema, events, users, lake::EventFileOptions(), &info));
    std::string key;
    SWELL_RETURN_IF_ERROR(lake::EventsFileKey(out->date, app_id, lake::PartFileName(lake::NewPartId()), &key));
    SWELL_RETURN_IF_ERROR(store(key, staged.path(), info.size, lake::FileKind::kEvents, info.rows,
                                info.min_time_ms, info.max_time_ms, sealed_lsn));
  }
  // sets/
  {
    std::vector<lake::SetsRow> sets = lake::BuildSetsRows(events, users);
    StagingFile staged(options_.staging_dir);
    uint64_t size = 0;
    SWELL_RETURN_IF_ERROR(lake::WriteSetsFile(staged.path(), sets, &size));
    std::string key;
    SWELL_RETURN_IF_ERROR(lake::SetsFileKey(out->date, app_id, lake::PartFileName(lake::NewPartId()), &key));
    SWELL_RETURN_IF_ERROR(store(key, staged.path(), size, lake::FileKind::kSets, sets.size(),
                                int64_t{day} * kMsPerDay, int64_t{day} * kMsPerDay + kMsPerDay - 1, 0));
  }
  // raw/: only what this seal took from the log; earlier seals' raw files stay.
  if (options_.raw_tier && !fresh.empty()) {
    std::map<int, std::vector<Event>> by_hour;
    for (Event& e : fresh) by_hour[static_cast<int>(FloorDiv(e.time_ms, kMsPerHour) - int64_t{day} * 24)].push_back(std::move(e));
    for (auto& [hour, hour_events] : by_hour) {
      StagingFile staged(options_.staging_dir);
      uint64_t size = 0;
      SWELL_RETURN_IF_ERROR(lake::WriteRawFile(staged.path(), hour_events, &size));
      std::string key;
      SWELL_RETURN_IF_ERROR(
          lake::RawFileKey(app_id, out->date, hour, lake::RawPartFileName(lake::NewPartId()), &key));
      int64_t begin = int64_t{day} * kMsPerDay + hour * kMsPerHour;
      SWELL_RETURN_IF_ERROR(store(key, staged.path(), size, lake::FileKind::kRaw, hour_events.size(), begin,
                                  begin + kMsPerHour - 1, 0));
    }
  }
  return Status::OK();
}

Status Sealer::UsersPart(const std::string& app_id, const lake::Snapshot& base, std::vector<lake::LakeFile>* add) {
  uint64_t held = 0;
  for (const lake::LakeFile* f : base.Select(lake::FileKind::kUsers, app_id, "", "")) held += f->rows;
  // Numbers the lake's files use must survive a crash of this process.
  SWELL_RETURN_IF_ERROR(speed_->SyncDictionaries());
  std::vector<std::string> keys;
  SWELL_RETURN_IF_ERROR(speed_->ReadApp(app_id, [&](const speed::AppState& app) {
    for (uint64_t n = held; n < app.users().size(); ++n) keys.emplace_back(app.users().KeyOf(static_cast<uint32_t>(n)));
    return Status::OK();
  }));
  if (keys.empty()) return Status::OK();
  std::vector<std::string_view> views(keys.begin(), keys.end());
  StagingFile staged(options_.staging_dir);
  uint64_t size = 0;
  SWELL_RETURN_IF_ERROR(lake::WriteUsersFile(staged.path(), static_cast<uint32_t>(held), views, &size));
  lake::LakeFile f;
  f.kind = lake::FileKind::kUsers;
  f.app_id = app_id;
  SWELL_RETURN_IF_ERROR(lake::UsersFileKey(app_id, lake::PartFileName(lake::NewPartId()), &f.key));
  SWELL_RETURN_IF_ERROR(storage_->PutFile(f.key, staged.path()));
  f.size = size;
  f.rows = keys.size();
  add->push_back(std::move(f));
  return Status::OK();
}

void Sealer::DiscardUncommitted(const DayBuild& build) {
  if (build.add.empty()) return;
  if (build.commit_tried) {
    // A commit can fail after its version was written (syncing the directory):
    // then the files are live. Unsure (the version unreadable): keep them.
    lake::Snapshot next;
    Status st = lake::Manifest::LoadVersion(storage_, build.base_version + 1, &next);
    if (!st.ok() && !st.IsNotFound()) return;
    if (st.ok() && next.Find(build.add.front().key) != nullptr) return;
  }
  // Listed by no version, but visible to anything that globs the lake's
  // directories (DuckDB over events/), and taking space that may be short:
  // they go now rather than at the next sweep.
  for (const lake::LakeFile& f : build.add) storage_->Delete(f.key).ok();
}

Status Sealer::CommitDay(const std::string& app_id, DayBuild* build, SealStats* stats) {
  std::lock_guard lock(commit_mu_);
  std::shared_ptr<const lake::Snapshot> base = holder_->Get();
  lake::ManifestEdit edit;
  edit.remove = build->remove;
  SWELL_RETURN_IF_ERROR(UsersPart(app_id, *base, &build->add));
  edit.add = build->add;
  uint64_t version = 0;
  build->commit_tried = true;
  build->base_version = base->version;
  SWELL_RETURN_IF_ERROR(lake::Manifest::Commit(storage_, base->version, edit, &version));
  auto snapshot = std::make_shared<lake::Snapshot>();
  SWELL_RETURN_IF_ERROR(lake::Manifest::LoadVersion(storage_, version, snapshot.get()));
  std::shared_ptr<const lake::Snapshot> published = std::move(snapshot);
  uint64_t evicted = 0;
  if (build->from_raw) {
    holder_->Set(published);
  } else {
    SWELL_RETURN_IF_ERROR(speed_->EvictSealed(app_id, {build->day}, build->cut,
                                              [&] { holder_->Set(published); }, &evicted));
  }
  stats->partitions++;
  stats->commits++;
  stats->events_sealed += build->sealed_rows;
  stats->events_written += build->written_rows;
  stats->files_written += edit.add.size();
  stats->bytes_written += build->bytes;
  stats->evicted += evicted;
  return Status::OK();
}

}  // namespace swell::seal
