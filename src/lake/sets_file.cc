#include "lake/sets_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <unordered_set>

#include "lake/storage_input_source.h"
#include "parquet/file_reader.h"
#include "parquet/file_writer.h"
#include "parquet/output_file.h"
#include "sketch/theta_hash.h"

namespace swell::lake {

namespace {

enum Column {
  kEventTypeCol,
  kScopeCol,
  kPropertyCol,
  kValueCol,
  kUsersCol,
  kEventCountCol,
  kUserCountCol,
  kSketchCol,
  kNumCols
};
// Sets schema 1 (files without the sketch column) has the first 7 columns.
constexpr size_t kSchema1Cols = kSketchCol;

parquet::Schema SetsSchema() {
  using parquet::ColumnType;
  using parquet::Repetition;
  parquet::Schema s;
  s.Add("event_type", ColumnType::kString, Repetition::kRequired)
      .Add("scope", ColumnType::kString, Repetition::kRequired)
      .Add("property", ColumnType::kString, Repetition::kRequired)
      .Add("value", ColumnType::kString, Repetition::kOptional)
      .Add("users", ColumnType::kBinary, Repetition::kOptional)
      .Add("event_count", ColumnType::kInt64, Repetition::kRequired)
      .Add("user_count", ColumnType::kInt64, Repetition::kRequired)
      .Add("sketch", ColumnType::kBinary, Repetition::kOptional);
  return s;
}

// The seed hash of kSetsSketchSeed (0x93cc for 9001).
uint16_t SketchSeedHash() {
  static const uint16_t hash = [] {
    uint16_t h = 0;
    Status s = ComputeThetaSeedHash(kSetsSketchSeed, &h);
    assert(s.ok());
    (void)s;
    return h;
  }();
  return hash;
}

// ---- building

struct ValueSet {
  Roaring users;
  uint64_t events = 0;
};

struct KeySets {
  uint64_t events = 0;     // events carrying the key
  bool too_many = false;   // passed kMaxValueSets: values no longer kept
  std::map<std::string, ValueSet, std::less<>> values;
};

struct NameSets {
  Roaring users;
  uint64_t events = 0;
  // By scope tag ('e' or 'u', which order as "event" < "user") + key.
  std::map<std::string, KeySets, std::less<>> keys;
};

// Whether a key with `values` distinct values among `name_events` events of
// its name gets a marker row instead of value rows.
bool TooManyValues(size_t values, uint64_t name_events) {
  return values > kMaxValueSets || (values > kMinValueSets && values * kMinEventsPerValue > name_events);
}

// ---- the portable roaring format (github.com/RoaringBitmap/RoaringFormatSpec)

constexpr uint32_t kSerialCookieNoRun = 12346;
constexpr uint32_t kSerialCookie = 12347;
constexpr size_t kNoOffsetThreshold = 4;
constexpr size_t kMaxArrayCardinality = 4096;

class ByteReader {
 public:
  explicit ByteReader(std::string_view b) : b_(b) {}
  bool Skip(size_t n) {
    if (b_.size() - pos_ < n) return false;
    pos_ += n;
    return true;
  }
  bool U16(uint16_t* v) {
    if (b_.size() - pos_ < 2) return false;
    *v = static_cast<uint16_t>(static_cast<uint8_t>(b_[pos_]) | static_cast<uint8_t>(b_[pos_ + 1]) << 8);
    pos_ += 2;
    return true;
  }
  bool U32(uint32_t* v) {
    uint16_t lo, hi;
    if (!U16(&lo) || !U16(&hi)) return false;
    *v = lo | uint32_t{hi} << 16;
    return true;
  }
  bool U64(uint64_t* v) {
    uint32_t lo, hi;
    if (!U32(&lo) || !U32(&hi)) return false;
    *v = lo | uint64_t{hi} << 32;
    return true;
  }
  size_t pos() const { return pos_; }
  std::string_view rest() const { return b_.substr(pos_); }
  bool done() const { return pos_ == b_.size(); }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

// CRoaring's portable deserializer checks lengths but trusts what it reads
// (cardinalities, order, run bounds), and later operations on a bitmap that
// breaks those rules can read or write out of bounds: check them all here.
Status ValidatePortableBitmap(std::string_view bytes) {
  auto bad = [](const std::string& what) { return Status::Corruption("roaring bitmap: " + what); };
  ByteReader r(bytes);
  uint32_t cookie = 0;
  if (!r.U32(&cookie)) return bad("shorter than its header");
  bool has_runs = (cookie & 0xFFFF) == kSerialCookie;
  size_t size = 0;
  if (has_runs) {
    size = (cookie >> 16) + 1;
  } else if (cookie == kSerialCookieNoRun) {
    uint32_t n = 0;
    if (!r.U32(&n)) return bad("shorter than its header");
    if (n > 65536) return bad("more than 65536 containers");
    size = n;
  } else {
    return bad("unknown cookie");
  }
  std::string_view run_flags;
  if (has_runs) {
    run_flags = r.rest().substr(0, (size + 7) / 8);
    if (!r.Skip((size + 7) / 8)) return bad("truncated run flags");
  }
  std::vector<uint16_t> keys(size), cards(size);
  for (size_t i = 0; i < size; ++i) {
    if (!r.U16(&keys[i]) || !r.U16(&cards[i])) return bad("truncated container headers");
    if (i > 0 && keys[i] <= keys[i - 1]) return bad("container keys out of order");
  }
  if (!has_runs || size >= kNoOffsetThreshold) {
    if (!r.Skip(size * 4)) return bad("truncated offsets");
  }
  for (size_t i = 0; i < size; ++i) {
    uint32_t card = uint32_t{cards[i]} + 1;
    bool is_run = has_runs && (static_cast<uint8_t>(run_flags[i / 8]) >> (i % 8)) & 1;
    if (is_run) {
      uint16_t n_runs = 0;
      if (!r.U16(&n_runs)) return bad("truncated run container");
      if (n_runs == 0) return bad("empty run container");
      uint32_t total = 0;
      int64_t prev_end = -1;
      for (uint16_t k = 0; k < n_runs; ++k) {
        uint16_t start, len;
        if (!r.U16(&start) || !r.U16(&len)) return bad("truncated run container");
        if (int64_t{start} <= prev_end || uint32_t{start} + len > 0xFFFF) return bad("runs overlap or overflow");
        prev_end = int64_t{start} + len;
        total += uint32_t{len} + 1;
      }
      if (total != card) return bad("run container cardinality mismatch");
    } else if (card > kMaxArrayCardinality) {
      uint32_t pop = 0;
      for (int w = 0; w < 1024; ++w) {
        uint64_t word;
        if (!r.U64(&word)) return bad("truncated bitset container");
        pop += static_cast<uint32_t>(std::popcount(word));
      }
      if (pop != card) return bad("bitset container cardinality mismatch");
    } else {
      uint16_t prev = 0;
      for (uint32_t k = 0; k < card; ++k) {
        uint16_t v;
        if (!r.U16(&v)) return bad("truncated array container");
        if (k > 0 && v <= prev) return bad("array container out of order");
        prev = v;
      }
    }
  }
  if (!r.done()) return bad(std::to_string(bytes.size() - r.pos()) + " bytes after the bitmap");
  return Status::OK();
}

// ---- reading

Status CheckSchema(const parquet::FileReader& reader) {
  const auto& leaves = reader.schema();
  parquet::Schema want = SetsSchema();
  if (leaves.size() != want.num_columns() && leaves.size() != kSchema1Cols)
    return Status::Corruption("not a sets file: " + std::to_string(leaves.size()) + " columns, want " +
                              std::to_string(want.num_columns()) + " (or " + std::to_string(kSchema1Cols) +
                              " without sketches)");
  for (size_t i = 0; i < leaves.size(); ++i) {
    const parquet::ColumnDescriptor& d = want.column(i);
    const parquet::LeafColumn& l = leaves[i];
    if (l.name != d.name || l.physical_type != d.physical_type() || l.nullable() != d.nullable() ||
        l.max_repetition_level != 0 || !l.unsupported.empty())
      return Status::Corruption("not a sets file: column " + std::to_string(i) + " is " + l.name +
                                ", want " + d.name + " of the sets schema");
  }
  for (const parquet::KeyValue& kv : reader.metadata().key_value_metadata) {
    if (kv.key == "swell.kind" && kv.value != "sets")
      return Status::Corruption("not a sets file: swell.kind is " + kv.value.value_or("null"));
  }
  return Status::OK();
}

template <typename T>
const std::vector<T>* Values(const parquet::ColumnVector& c) {
  return std::get_if<std::vector<T>>(&c.values);
}

}  // namespace

bool SetsRowLess(const SetsRow& a, const SetsRow& b) {
  if (int c = a.event_type.compare(b.event_type)) return c < 0;
  if (int c = a.scope.compare(b.scope)) return c < 0;
  if (int c = a.property.compare(b.property)) return c < 0;
  return a.value < b.value;  // nullopt first
}

uint64_t SetsSketchItemHash(const Event& e) {
  const std::string& item = e.user_id.empty() ? e.device_id : e.user_id;
  if (item.empty()) return 0;
  return ThetaHashBytes(item.data(), item.size(), kSetsSketchSeed);
}

namespace {

// SetsSketchOfHashes on a scratch vector it reorders and shrinks.
CompactThetaSketch SketchOfHashes(std::vector<uint64_t>* hashes, bool any_item) {
  constexpr size_t k = size_t{1} << kSetsSketchLgK;
  std::vector<uint64_t>& h = *hashes;
  // An update sketch drops 0 (the empty-slot mark) and anything not below
  // its starting theta (2^63 - 1).
  std::erase_if(h, [](uint64_t x) { return x == 0 || x >= kThetaMax; });
  uint64_t theta = kThetaMax;
  auto sort_unique = [](std::vector<uint64_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  };
  if (h.size() > k) {
    // The k + 1 smallest with multiplicity; if they are distinct they are
    // the k + 1 smallest distinct hashes (the usual case: equal hashes only
    // come from equal items).
    std::nth_element(h.begin(), h.begin() + k, h.end());
    std::vector<uint64_t> head(h.begin(), h.begin() + k + 1);
    sort_unique(head);
    if (head.size() == k + 1) {
      h.swap(head);
    } else {
      sort_unique(h);  // equal hashes among them: sort them all out
    }
    if (h.size() > k) {
      theta = h[k];
      h.resize(k);
    }
  } else {
    sort_unique(h);
  }
  return CompactThetaSketch(/*empty=*/!any_item, /*ordered=*/true, SketchSeedHash(), theta,
                            any_item ? std::move(h) : std::vector<uint64_t>());
}

}  // namespace

CompactThetaSketch SetsSketchOfHashes(std::vector<uint64_t> hashes, bool any_item) {
  return SketchOfHashes(&hashes, any_item);
}

std::vector<SetsRow> BuildSetsRows(std::span<const Event> events, std::span<const uint32_t> user_numbers) {
  assert(user_numbers.size() == events.size());
  std::map<std::string, NameSets, std::less<>> names;
  std::unordered_set<std::string_view> seen;
  std::string tagged;
  // Each distinct user's item hash, computed once (every event of a user
  // number has the same UserKey(), hence the same item).
  constexpr uint64_t kNoItem = ~uint64_t{0};  // an empty item; never a hash (< 2^63)
  Roaring day_users;
  std::vector<std::pair<uint32_t, uint64_t>> user_hashes;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    const uint32_t user = user_numbers[i];
    if (day_users.addChecked(user)) {
      const bool has_item = !e.user_id.empty() || !e.device_id.empty();
      user_hashes.emplace_back(user, has_item ? SetsSketchItemHash(e) : kNoItem);
    }
    auto it = names.find(e.event_type);
    if (it == names.end()) it = names.emplace(e.event_type, NameSets()).first;
    NameSets& name = it->second;
    name.users.add(user);
    ++name.events;
    auto add = [&](char tag, const Property& p) {
      if (!seen.insert(p.key).second) return;
      tagged.assign(1, tag).append(p.key);
      auto k = name.keys.find(tagged);
      if (k == name.keys.end()) k = name.keys.emplace(tagged, KeySets()).first;
      KeySets& key = k->second;
      ++key.events;
      if (key.too_many) return;
      std::string text = p.value.ToText();
      auto v = key.values.find(text);
      if (v == key.values.end()) {
        if (key.values.size() + 1 > kMaxValueSets) {
          // Marked whatever the day's total: stop spending memory on it.
          key.too_many = true;
          key.values.clear();
          return;
        }
        v = key.values.emplace(std::move(text), ValueSet()).first;
      }
      v->second.users.add(user);
      ++v->second.events;
    };
    seen.clear();
    for (const Property& p : e.fields) add('e', p);
    for (const Property& p : e.event_properties) add('e', p);
    seen.clear();
    for (const Property& p : e.user_properties) add('u', p);
  }

  std::sort(user_hashes.begin(), user_hashes.end());
  std::vector<uint64_t> scratch;
  // A row's sketch: its users' hashes, found by a galloping search through
  // the day's users (a row's bitmap iterates in ascending order).
  auto sketch_of = [&](const Roaring& users) {
    const size_t n = user_hashes.size();
    scratch.clear();
    scratch.reserve(users.cardinality());
    bool any_item = false;
    size_t pos = 0;
    for (uint32_t u : users) {
      // Gallop from the previous user to bracket u, then binary search.
      size_t step = 1, lo = pos;
      while (lo + step < n && user_hashes[lo + step].first < u) {
        lo += step;
        step *= 2;
      }
      pos = static_cast<size_t>(
          std::lower_bound(user_hashes.begin() + static_cast<ptrdiff_t>(lo),
                           user_hashes.begin() + static_cast<ptrdiff_t>(std::min(n, lo + step + 1)), u,
                           [](const std::pair<uint32_t, uint64_t>& a, uint32_t b) { return a.first < b; }) -
          user_hashes.begin());
      assert(pos < n && user_hashes[pos].first == u);
      const uint64_t h = user_hashes[pos].second;
      if (h == kNoItem) continue;
      any_item = true;
      scratch.push_back(h);
    }
    return SketchOfHashes(&scratch, any_item);
  };

  std::vector<SetsRow> rows;
  for (auto& [event_type, name] : names) {
    SetsRow all;
    all.event_type = event_type;
    all.value = "";
    all.users = std::move(name.users);
    all.users.runOptimize();
    all.sketch = sketch_of(all.users);
    all.event_count = name.events;
    rows.push_back(std::move(all));
    for (auto& [tagged_key, key] : name.keys) {
      std::string scope(tagged_key[0] == 'e' ? kEventScope : kUserScope);
      std::string property = tagged_key.substr(1);
      if (key.too_many || TooManyValues(key.values.size(), name.events)) {
        SetsRow marker;
        marker.event_type = event_type;
        marker.scope = std::move(scope);
        marker.property = std::move(property);
        marker.event_count = key.events;
        rows.push_back(std::move(marker));
        continue;
      }
      for (auto& [value, set] : key.values) {
        SetsRow row;
        row.event_type = event_type;
        row.scope = scope;
        row.property = property;
        row.value = value;
        row.users = std::move(set.users);
        row.users.runOptimize();
        row.sketch = sketch_of(row.users);
        row.event_count = set.events;
        rows.push_back(std::move(row));
      }
    }
  }
  return rows;
}

std::string EncodeUserSet(const Roaring& users) {
  Roaring optimized = users;
  optimized.runOptimize();
  std::string out(optimized.getSizeInBytes(/*portable=*/true), '\0');
  size_t n = optimized.write(out.data(), /*portable=*/true);
  out.resize(n);
  return out;
}

Status DecodeUserSet(std::string_view bytes, Roaring* users) {
  SWELL_RETURN_IF_ERROR(ValidatePortableBitmap(bytes));
  try {
    *users = Roaring::readSafe(bytes.data(), bytes.size());
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("roaring bitmap: ") + e.what());
  }
  return Status::OK();
}

Status WriteSetsFile(const std::string& local_path, std::span<const SetsRow> rows, uint64_t* size) {
  // Checked before anything is written: the writer never makes a file its
  // reader refuses.
  for (size_t i = 0; i < rows.size(); ++i) {
    const SetsRow& r = rows[i];
    if (i > 0 && !SetsRowLess(rows[i - 1], r))
      return Status::InvalidArgument("sets file: rows not in (event_type, scope, property, value) order at row " +
                                     std::to_string(i));
    if (r.scope != kAllUsersScope && r.scope != kEventScope && r.scope != kUserScope)
      return Status::InvalidArgument("sets file: unknown scope at row " + std::to_string(i));
    if (r.scope == kAllUsersScope && (!r.property.empty() || r.value != ""))
      return Status::InvalidArgument("sets file: an all-users row needs property \"\" and value \"\", at row " +
                                     std::to_string(i));
    if (!r.is_marker() && r.event_count < r.users.cardinality())
      return Status::InvalidArgument("sets file: fewer events than users at row " + std::to_string(i));
    if (r.is_marker() == r.sketch.has_value())
      return Status::InvalidArgument(std::string("sets file: ") +
                                     (r.is_marker() ? "a marker row with a sketch" : "a row without a sketch") +
                                     " at row " + std::to_string(i));
    if (r.sketch && !r.sketch->IsEmpty() && r.sketch->seed_hash() != SketchSeedHash())
      return Status::InvalidArgument("sets file: a sketch of another seed at row " + std::to_string(i));
  }
  parquet::WriterOptions o;
  o.codec = parquet::CompressionCodec::ZSTD;
  o.row_group_rows = kSetsRowGroupRows;
  // Finer pages than the default let the page index narrow a lookup by
  // event name inside a row group (reading one event of a 9,343-row file
  // took ~40% less time than with 65,536-row pages).
  o.page_rows = 4096;
  // The sketch and users columns are what the file weighs, and their
  // redundancy is across rows: a user's hash recurs in every row it is in.
  // zstd finds it only when one page holds those rows and the level's window
  // (4 MiB at level 9) and search reach back to them. With 1 MiB pages and
  // the default level 3 a day's sketch column was 3.8 MB; one page at level
  // 9 makes it 2.1 MB (users 1.8 -> 1.6 MB). Levels above 9 gained ~2% for
  // 2-3x the write time. Pages are still cut at page_rows, so a lookup
  // decompresses only the pages its event's rows are in.
  o.page_bytes = 16 << 20;
  o.compression_level = 9;
  o.sorting_columns = {{kEventTypeCol, false, false},
                       {kScopeCol, false, false},
                       {kPropertyCol, false, false},
                       {kValueCol, false, true}};
  o.key_value_metadata.push_back({"swell.kind", std::string("sets")});
  o.key_value_metadata.push_back({"swell.sets_schema", std::string("2")});
  o.key_value_metadata.push_back({"swell.sets_sketch_lg_k", std::to_string(kSetsSketchLgK)});
  o.key_value_metadata.push_back({"swell.sets_sketch_seed", std::to_string(kSetsSketchSeed)});
  std::unique_ptr<parquet::FileWriter> w;
  SWELL_RETURN_IF_ERROR(parquet::FileWriter::Open(local_path, SetsSchema(), o, &w));
  std::string users, sketch;
  std::vector<parquet::Value> row(kNumCols);
  for (const SetsRow& r : rows) {
    row[kEventTypeCol] = std::string_view(r.event_type);
    row[kScopeCol] = std::string_view(r.scope);
    row[kPropertyCol] = std::string_view(r.property);
    if (r.value) {
      users = EncodeUserSet(r.users);
      row[kValueCol] = std::string_view(*r.value);
      row[kUsersCol] = std::string_view(users);
      row[kUserCountCol] = static_cast<int64_t>(r.users.cardinality());
      sketch.clear();
      r.sketch->AppendTo(&sketch);
      row[kSketchCol] = std::string_view(sketch);
    } else {
      row[kValueCol] = std::monostate();
      row[kUsersCol] = std::monostate();
      row[kUserCountCol] = int64_t{0};
      row[kSketchCol] = std::monostate();
    }
    row[kEventCountCol] = static_cast<int64_t>(r.event_count);
    SWELL_RETURN_IF_ERROR(w->AppendRow(row));
  }
  SWELL_RETURN_IF_ERROR(w->Close());
  struct stat st;
  if (::stat(local_path.c_str(), &st) != 0) return Status::FromErrno(local_path, errno);
  *size = static_cast<uint64_t>(st.st_size);
  return Status::OK();
}

Status ReadSetsRows(Storage* storage, std::string_view key, std::string_view event, std::vector<SetsRow>* rows) {
  return ReadSetsRows(storage, key, event, SetsReadOptions(), rows);
}

Status ReadSetsRows(Storage* storage, std::string_view key, std::string_view event, const SetsReadOptions& options,
                    std::vector<SetsRow>* rows) {
  const std::string name(key);
  // Ranged reads: the footer, then only the chunks the filter leaves.
  std::unique_ptr<parquet::InputSource> source;
  SWELL_RETURN_IF_ERROR(StorageInputSource::Open(storage, key, &source));
  std::unique_ptr<parquet::FileReader> reader;
  Status s = parquet::FileReader::OpenSource(std::move(source), &reader);
  if (!s.ok()) return s.WithContext(name);
  s = CheckSchema(*reader);
  if (!s.ok()) return s.WithContext(name);

  // Only the columns wanted: a reader without use for sketches never
  // fetches or decodes them.
  const bool sketches = options.sketches && reader->schema().size() > kSchema1Cols;
  std::vector<std::string> projection;
  for (size_t c = 0; c < (sketches ? size_t{kNumCols} : kSchema1Cols); ++c)
    projection.push_back(reader->schema()[c].name);
  parquet::RowGroupFilter filter;
  if (!event.empty()) filter.predicates.push_back({"event_type", parquet::CompareOp::kEq, std::string(event)});
  std::vector<SetsRow> out;
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    parquet::RowGroupData data;
    bool skipped = false;
    s = reader->ReadRowGroup(g, projection, filter, &data, &skipped);
    if (!s.ok()) return s.WithContext(name);
    if (skipped) continue;
    auto corrupt = [&](size_t r, const std::string& what) {
      return Status::Corruption(name + ": row group " + std::to_string(g) + " row " + std::to_string(r) + ": " + what);
    };
    const auto* event_types = Values<std::string>(data.columns[kEventTypeCol]);
    const auto* scopes = Values<std::string>(data.columns[kScopeCol]);
    const auto* properties = Values<std::string>(data.columns[kPropertyCol]);
    const auto* values = Values<std::string>(data.columns[kValueCol]);
    const auto* users = Values<std::string>(data.columns[kUsersCol]);
    const auto* event_counts = Values<int64_t>(data.columns[kEventCountCol]);
    const auto* user_counts = Values<int64_t>(data.columns[kUserCountCol]);
    const auto* sketch_bytes = sketches ? Values<std::string>(data.columns[kSketchCol]) : nullptr;
    if (!event_types || !scopes || !properties || !values || !users || !event_counts || !user_counts ||
        (sketches && !sketch_bytes))
      return Status::Corruption(name + ": unexpected column types");
    const size_t n = data.columns[0].size();
    for (const auto& c : data.columns) {
      if (c.size() != n || parquet::ValueCount(c.values) != n) return Status::Corruption(name + ": ragged row group");
    }
    for (size_t r = 0; r < n; ++r) {
      if (!event.empty() && (*event_types)[r] != event) continue;
      SetsRow row;
      row.event_type = (*event_types)[r];
      row.scope = (*scopes)[r];
      row.property = (*properties)[r];
      const int64_t event_count = (*event_counts)[r], user_count = (*user_counts)[r];
      if (event_count < 0 || user_count < 0) return corrupt(r, "negative count");
      row.event_count = static_cast<uint64_t>(event_count);
      const bool has_value = !data.columns[kValueCol].IsNull(r);
      if (has_value != !data.columns[kUsersCol].IsNull(r)) return corrupt(r, "value and users disagree on null");
      if (row.scope != kAllUsersScope && row.scope != kEventScope && row.scope != kUserScope)
        return corrupt(r, "unknown scope");
      if (row.scope == kAllUsersScope && (!row.property.empty() || !has_value || !(*values)[r].empty()))
        return corrupt(r, "malformed all-users row");
      if (has_value) {
        row.value = (*values)[r];
        s = DecodeUserSet((*users)[r], &row.users);
        if (!s.ok()) return corrupt(r, s.message());
        if (row.users.cardinality() != static_cast<uint64_t>(user_count))
          return corrupt(r, "user_count does not match the bitmap");
        if (row.event_count < row.users.cardinality()) return corrupt(r, "fewer events than users");
      } else if (user_count != 0) {
        return corrupt(r, "malformed marker row");
      }
      if (sketches) {
        if (has_value == data.columns[kSketchCol].IsNull(r)) return corrupt(r, "value and sketch disagree on null");
        if (has_value) {
          CompactThetaSketch sketch;
          s = CompactThetaSketch::Deserialize((*sketch_bytes)[r], kSetsSketchSeed, &sketch);
          if (!s.ok()) return corrupt(r, "sketch: " + s.message());
          // Equal items share a hash, so a sketch can hold fewer hashes than
          // the row has users, never more.
          if (sketch.NumRetained() > row.users.cardinality())
            return corrupt(r, "sketch does not match the bitmap");
          row.sketch = std::move(sketch);
        }
      }
      out.push_back(std::move(row));
    }
  }
  rows->insert(rows->end(), std::make_move_iterator(out.begin()), std::make_move_iterator(out.end()));
  return Status::OK();
}

}  // namespace swell::lake
