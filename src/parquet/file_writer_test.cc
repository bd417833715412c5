// Structural checks of written files through the footer codec. Value-level
// truth comes from DuckDB reading the files (tests/parquet_writer).
#include "parquet/file_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "parquet/compression.h"
#include "util/coding.h"
#include "util/file_util.h"

namespace swell::parquet {
namespace {

FileMetaData FooterOf(const std::string& file) {
  EXPECT_GE(file.size(), 12u);
  EXPECT_EQ(file.substr(0, 4), "PAR1");
  EXPECT_EQ(file.substr(file.size() - 4), "PAR1");
  uint32_t len = DecodeFixed32(file.data() + file.size() - 8);
  std::string_view in(file.data() + file.size() - 8 - len, len);
  FileMetaData md;
  Status st = ParseFileMetaData(&in, &md);
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(in.empty());
  return md;
}

Schema TwoColumns() {
  Schema s;
  s.Add("id", ColumnType::kInt64, Repetition::kRequired).Add("name", ColumnType::kString);
  return s;
}

TEST(FileWriter, RowGroupsOfTheConfiguredSize) {
  std::string file;
  WriterOptions o;
  o.row_group_rows = 3;
  o.sorting_columns = {SortingColumn{0, false, true}};
  std::unique_ptr<FileWriter> w;
  ASSERT_TRUE(FileWriter::Open(std::make_unique<StringOutputFile>(&file), TwoColumns(), o, &w).ok());
  for (int64_t i = 0; i < 10; ++i) {
    ASSERT_TRUE(w->AppendRow({i, std::string_view("x")}).ok());
    // A completed row group leaves memory; a partial one is held.
    EXPECT_EQ(w->buffered_bytes() == 0, (i + 1) % 3 == 0) << i;
  }
  ASSERT_TRUE(w->Close().ok());
  FileMetaData md = FooterOf(file);
  EXPECT_EQ(md.num_rows, 10);
  ASSERT_EQ(md.row_groups.size(), 4u);
  EXPECT_EQ(md.row_groups[0].num_rows, 3);
  EXPECT_EQ(md.row_groups[3].num_rows, 1);
  EXPECT_EQ(md.row_groups[2].sorting_columns, o.sorting_columns);
  EXPECT_EQ(md.row_groups[2].ordinal, 2);
  EXPECT_EQ(md.created_by.value_or("").rfind("swell version ", 0), 0u);
  for (const RowGroup& rg : md.row_groups) {
    for (const ColumnChunk& cc : rg.columns) {
      EXPECT_TRUE(cc.column_index_offset.has_value());
      EXPECT_TRUE(cc.offset_index_offset.has_value());
    }
  }
}

TEST(FileWriter, BatchesSplitAcrossRowGroups) {
  std::string file;
  WriterOptions o;
  o.row_group_rows = 4;
  std::unique_ptr<FileWriter> w;
  ASSERT_TRUE(FileWriter::Open(std::make_unique<StringOutputFile>(&file), TwoColumns(), o, &w).ok());
  std::vector<int64_t> ids = {1, 2, 3, 4, 5, 6};
  std::vector<std::string_view> names = {"a", "b", "", "d", "e", "f"};
  std::vector<uint8_t> valid = {1, 1, 0, 1, 1, 1};
  std::vector<ColumnValues> batch = {ColumnValues::Int64s(ids),
                                     ColumnValues::Strings(names, valid.data())};
  ASSERT_TRUE(w->WriteBatch(batch).ok());
  ASSERT_TRUE(w->WriteBatch(batch).ok());
  ASSERT_TRUE(w->Close().ok());
  FileMetaData md = FooterOf(file);
  EXPECT_EQ(md.num_rows, 12);
  ASSERT_EQ(md.row_groups.size(), 3u);
  // Nulls are at rows 2 and 8 (third row of each batch): groups of four rows
  // hold one, none and one.
  EXPECT_EQ(md.row_groups[0].columns[1].meta_data->statistics->null_count, 1);
  EXPECT_EQ(md.row_groups[1].columns[1].meta_data->statistics->null_count, 0);
  EXPECT_EQ(md.row_groups[2].columns[1].meta_data->statistics->null_count, 1);
}

TEST(FileWriter, RefusesBadRowsWithoutWriting) {
  std::string file;
  std::unique_ptr<FileWriter> w;
  ASSERT_TRUE(
      FileWriter::Open(std::make_unique<StringOutputFile>(&file), TwoColumns(), {}, &w).ok());
  EXPECT_TRUE(w->AppendRow({std::monostate{}, std::string_view("a")}).IsInvalidArgument());
  EXPECT_TRUE(w->AppendRow({int32_t{1}, std::string_view("a")}).IsInvalidArgument());
  EXPECT_TRUE(w->AppendRow({int64_t{1}}).IsInvalidArgument());
  // A string literal is a string value, never a bool.
  EXPECT_TRUE(w->AppendRow({int64_t{2}, "literal"}).ok());
  std::vector<int64_t> ids = {1, 2};
  std::vector<uint8_t> valid = {1, 0};
  std::vector<std::string_view> names = {"a"};
  std::vector<ColumnValues> nulls = {ColumnValues::Int64s(ids, valid.data()),
                                     ColumnValues::Strings(names)};
  EXPECT_TRUE(w->WriteBatch(nulls).IsInvalidArgument());
  EXPECT_EQ(w->num_rows(), 1);
  ASSERT_TRUE(w->AppendRow({int64_t{1}, std::monostate{}}).ok());
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(FooterOf(file).num_rows, 2);
  EXPECT_FALSE(w->AppendRow({int64_t{1}, std::monostate{}}).ok());
}

TEST(FileWriter, RefusesBadSchemas) {
  std::string file;
  std::unique_ptr<FileWriter> w;
  Schema dup;
  dup.Add("a", ColumnType::kInt32).Add("a", ColumnType::kInt64);
  EXPECT_TRUE(FileWriter::Open(std::make_unique<StringOutputFile>(&file), dup, {}, &w)
                  .IsInvalidArgument());
  EXPECT_TRUE(FileWriter::Open(std::make_unique<StringOutputFile>(&file), Schema(), {}, &w)
                  .IsInvalidArgument());
}

TEST(FileWriter, DictionaryFallsBackToPlain) {
  std::string file;
  WriterOptions o;
  o.dictionary_bytes_limit = 10 * 1024;
  o.page_rows = 100;
  Schema s;
  s.Add("s", ColumnType::kString, Repetition::kRequired);
  std::unique_ptr<FileWriter> w;
  ASSERT_TRUE(FileWriter::Open(std::make_unique<StringOutputFile>(&file), s, o, &w).ok());
  for (int i = 0; i < 1000; ++i) {
    std::string v = std::to_string(i) + std::string(100, 'v');
    ASSERT_TRUE(w->AppendRow({std::string_view(v)}).ok());
  }
  ASSERT_TRUE(w->Close().ok());
  FileMetaData md = FooterOf(file);
  const ColumnMetaData& cm = *md.row_groups[0].columns[0].meta_data;
  int dict_pages = 0, plain_pages = 0, dictionary_pages = 0;
  for (const PageEncodingStats& s : cm.encoding_stats) {
    if (s.page_type == PageType::DICTIONARY_PAGE) dictionary_pages += s.count;
    else if (s.encoding == Encoding::RLE_DICTIONARY) dict_pages += s.count;
    else if (s.encoding == Encoding::PLAIN) plain_pages += s.count;
  }
  EXPECT_EQ(dictionary_pages, 1);
  EXPECT_GT(dict_pages, 0);
  EXPECT_GT(plain_pages, 0);
  EXPECT_TRUE(cm.dictionary_page_offset.has_value());
}

TEST(FileWriter, LocalFileAppearsOnlyAtClose) {
  std::string dir = ::testing::TempDir() + "/pqw_local_" + std::to_string(::getpid());
  ASSERT_TRUE(CreateDirectories(dir).ok());
  std::string path = dir + "/part-0.parquet";
  std::unique_ptr<FileWriter> w;
  ASSERT_TRUE(FileWriter::Open(path, TwoColumns(), {}, &w).ok());
  ASSERT_TRUE(w->AppendRow({int64_t{7}, std::string_view("seven")}).ok());
  EXPECT_FALSE(FileExists(path));
  ASSERT_TRUE(w->Close().ok());
  EXPECT_TRUE(FileExists(path));
  EXPECT_FALSE(FileExists(path + ".inprogress"));
  std::string bytes;
  ASSERT_TRUE(ReadFileToString(path, &bytes).ok());
  EXPECT_EQ(FooterOf(bytes).num_rows, 1);
  // Abandoned writers leave nothing behind.
  std::string other = dir + "/part-1.parquet";
  ASSERT_TRUE(FileWriter::Open(other, TwoColumns(), {}, &w).ok());
  w.reset();
  EXPECT_FALSE(FileExists(other));
  EXPECT_FALSE(FileExists(other + ".inprogress"));
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
}

// The page index against the rows written: page i of a chunk starts at row
// i * page_rows, its bounds and null count are those of its rows, and each
// offset points at a page header of the recorded size.
TEST(FileWriter, PageIndexDescribesEachPage) {
  std::string file;
  WriterOptions o;
  o.page_rows = 100;
  o.row_group_rows = 1000;
  Schema s;
  s.Add("sorted", ColumnType::kInt64).Add("word", ColumnType::kString, Repetition::kRequired);
  std::unique_ptr<FileWriter> w;
  ASSERT_TRUE(FileWriter::Open(std::make_unique<StringOutputFile>(&file), s, o, &w).ok());
  const int kRows = 1500;
  std::vector<std::optional<int64_t>> sorted;
  std::vector<std::string> words;
  for (int i = 0; i < kRows; ++i) {
    // Rows 200..299 are all null: a null page.
    sorted.push_back((i % 9 == 0 || (i >= 200 && i < 300)) ? std::nullopt
                                                          : std::optional<int64_t>(i * 3 - 2000));
    // Page p's words start with letter (p * 11) % 26: page bounds go up and down.
    words.push_back(std::string(1, static_cast<char>('a' + (i / 100 * 11) % 26)) + std::to_string(i));
    Value v = sorted.back() ? Value(*sorted.back()) : Value();
    ASSERT_TRUE(w->AppendRow({v, std::string_view(words.back())}).ok());
  }
  ASSERT_TRUE(w->Close().ok());
  FileMetaData md = FooterOf(file);
  ASSERT_EQ(md.row_groups.size(), 2u);
  for (size_t g = 0; g < md.row_groups.size(); ++g) {
    const int64_t group_first = static_cast<int64_t>(g) * 1000;
    for (size_t c = 0; c < 2; ++c) {
      const ColumnChunk& cc = md.row_groups[g].columns[c];
      std::string_view ci_bytes(file.data() + *cc.column_index_offset, *cc.column_index_length);
      std::string_view oi_bytes(file.data() + *cc.offset_index_offset, *cc.offset_index_length);
      ColumnIndex ci;
      OffsetIndex oi;
      ASSERT_TRUE(ParseColumnIndex(&ci_bytes, &ci).ok());
      ASSERT_TRUE(ParseOffsetIndex(&oi_bytes, &oi).ok());
      EXPECT_TRUE(ci_bytes.empty() && oi_bytes.empty());
      const int64_t group_rows = md.row_groups[g].num_rows;
      ASSERT_EQ(oi.page_locations.size(), static_cast<size_t>((group_rows + 99) / 100));
      EXPECT_EQ(oi.page_locations[0].offset, cc.meta_data->data_page_offset);
      EXPECT_EQ(ci.boundary_order, c == 0 ? BoundaryOrder::ASCENDING : BoundaryOrder::UNORDERED);
      for (size_t p = 0; p < oi.page_locations.size(); ++p) {
        const PageLocation& loc = oi.page_locations[p];
        EXPECT_EQ(loc.first_row_index, static_cast<int64_t>(p) * 100);
        std::string_view page(file.data() + loc.offset, loc.compressed_page_size);
        PageHeader ph;
        ASSERT_TRUE(ParsePageHeader(&page, &ph).ok());
        EXPECT_EQ(ph.type, PageType::DATA_PAGE);
        EXPECT_EQ(static_cast<int64_t>(page.size()), ph.compressed_page_size);
        EXPECT_EQ(ph.data_page_header->num_values, 100);
        const int64_t first = group_first + loc.first_row_index;
        int64_t nulls = 0;
        std::optional<int64_t> lo, hi;
        std::string wlo, whi;
        for (int64_t r = first; r < first + 100; ++r) {
          if (c == 0) {
            if (!sorted[r]) {
              ++nulls;
              continue;
            }
            lo = lo ? std::min(*lo, *sorted[r]) : *sorted[r];
            hi = hi ? std::max(*hi, *sorted[r]) : *sorted[r];
          } else {
            if (r == first || words[r] < wlo) wlo = words[r];
            if (r == first || words[r] > whi) whi = words[r];
          }
        }
        ASSERT_TRUE(ci.null_counts.has_value());
        EXPECT_EQ((*ci.null_counts)[p], nulls);
        if (c == 0) {
          EXPECT_EQ(ci.null_pages[p], !lo.has_value()) << "page " << p;
          if (lo) {
            EXPECT_EQ(ci.min_values[p], std::string(reinterpret_cast<const char*>(&*lo), 8));
            EXPECT_EQ(ci.max_values[p], std::string(reinterpret_cast<const char*>(&*hi), 8));
          }
        } else {
          EXPECT_FALSE(ci.null_pages[p]);
          EXPECT_EQ(ci.min_values[p], wlo);
          EXPECT_EQ(ci.max_values[p], whi);
        }
      }
    }
  }
}

// Every page of the file, decompressed, in file order: what a reader sees,
// whatever the codec and level.
std::vector<std::string> DecompressedPages(const std::string& file) {
  std::vector<std::string> pages;
  FileMetaData md = FooterOf(file);
  for (const RowGroup& rg : md.row_groups) {
    for (const ColumnChunk& cc : rg.columns) {
      const ColumnMetaData& cm = *cc.meta_data;
      int64_t start = cm.dictionary_page_offset.value_or(cm.data_page_offset);
      std::string_view chunk(file.data() + start, cm.total_compressed_size);
      while (!chunk.empty()) {
        PageHeader ph;
        Status st = ParsePageHeader(&chunk, &ph);
        EXPECT_TRUE(st.ok()) << st.ToString();
        if (!st.ok()) return pages;
        std::string page;
        st = Decompress(cm.codec, chunk.substr(0, ph.compressed_page_size),
                        ph.uncompressed_page_size, &page);
        EXPECT_TRUE(st.ok()) << st.ToString();
        pages.push_back(std::move(page));
        chunk.remove_prefix(ph.compressed_page_size);
      }
    }
  }
  return pages;
}

TEST(FileWriter, ZstdLevelShrinksLargePagesOfRedundantValues) {
  // Blobs of sorted hashes from one pool, like a sets file's sketch column:
  // the redundancy is across rows, which only a level with a window and
  // search depth to match it finds.
  std::mt19937_64 rng(5);
  std::vector<uint64_t> pool(1 << 14);
  for (uint64_t& h : pool) h = rng();
  std::vector<std::string> blobs;
  for (int row = 0; row < 300; ++row) {
    std::vector<uint64_t> hashes;
    for (int i = 0; i < 512; ++i) hashes.push_back(pool[rng() % pool.size()]);
    std::sort(hashes.begin(), hashes.end());
    blobs.emplace_back(reinterpret_cast<const char*>(hashes.data()), hashes.size() * 8);
  }
  Schema s;
  s.Add("id", ColumnType::kInt64, Repetition::kRequired).Add("blob", ColumnType::kBinary);
  auto write = [&](int level, std::string* file) {
    WriterOptions o;
    o.codec = CompressionCodec::ZSTD;
    o.compression_level = level;
    o.dictionary = false;
    o.page_bytes = 4 << 20;
    std::unique_ptr<FileWriter> w;
    ASSERT_TRUE(FileWriter::Open(std::make_unique<StringOutputFile>(file), s, o, &w).ok());
    for (size_t i = 0; i < blobs.size(); ++i) {
      ASSERT_TRUE(w->AppendRow({static_cast<int64_t>(i), std::string_view(blobs[i])}).ok());
    }
    ASSERT_TRUE(w->Close().ok());
  };
  std::string by_default, level3, level12;
  write(0, &by_default);
  write(3, &level3);
  write(12, &level12);
  // 0 is the old default, byte for byte.
  EXPECT_EQ(by_default, level3);
  EXPECT_LT(level12.size(), by_default.size() * 9 / 10) << by_default.size() << " " << level12.size();
  // Same pages once decompressed: the level changes bytes on disk only.
  std::vector<std::string> pages = DecompressedPages(level12);
  EXPECT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages, DecompressedPages(by_default));
  EXPECT_EQ(FooterOf(level12).num_rows, 300);
}

TEST(FileWriter, RefusesACompressionLevelItCannotHonour) {
  std::string file;
  std::unique_ptr<FileWriter> w;
  WriterOptions o;
  o.codec = CompressionCodec::ZSTD;
  o.compression_level = 99;
  Status st = FileWriter::Open(std::make_unique<StringOutputFile>(&file), TwoColumns(), o, &w);
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_NE(st.message().find("level 99"), std::string::npos) << st.ToString();
  EXPECT_TRUE(file.empty());
  o.codec = CompressionCodec::SNAPPY;
  o.compression_level = 1;
  EXPECT_TRUE(FileWriter::Open(std::make_unique<StringOutputFile>(&file), TwoColumns(), o, &w)
                  .IsInvalidArgument());
  o.codec = CompressionCodec::ZSTD;
  o.compression_level = -3;
  ASSERT_TRUE(FileWriter::Open(std::make_unique<StringOutputFile>(&file), TwoColumns(), o, &w).ok());
  ASSERT_TRUE(w->AppendRow({int64_t{1}, std::string_view("x")}).ok());
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(FooterOf(file).num_rows, 1);
}

TEST(FileWriter, LongStringBoundsAreCutButStillBound) {
  std::string file;
  Schema s;
  s.Add("blob", ColumnType::kBinary, Repetition::kRequired);
  std::unique_ptr<FileWriter> w;
  ASSERT_TRUE(FileWriter::Open(std::make_unique<StringOutputFile>(&file), s, WriterOptions(), &w).ok());
  // Long values (bitmaps, JSON): the smallest starts "aaa…", the largest is
  // 0xFF throughout after a "b" (its cut max must carry into the "b").
  std::vector<std::string> values = {std::string(1000, 'a'), "b" + std::string(999, '\xff'), std::string(70, 'a') + "z",
                                     "aab"};
  for (const std::string& v : values) ASSERT_TRUE(w->AppendRow({std::string_view(v)}).ok());
  ASSERT_TRUE(w->Close().ok());
  FileMetaData md = FooterOf(file);
  const ColumnChunk& cc = md.row_groups[0].columns[0];
  const Statistics& st = *cc.meta_data->statistics;
  ASSERT_TRUE(st.min_value && st.max_value);
  EXPECT_LE(st.min_value->size(), 64u);
  EXPECT_LE(st.max_value->size(), 64u);
  EXPECT_EQ(*st.min_value, std::string(64, 'a'));
  EXPECT_EQ(*st.max_value, "c");
  EXPECT_FALSE(*st.is_min_value_exact);
  EXPECT_FALSE(*st.is_max_value_exact);
  for (const std::string& v : values) {
    EXPECT_LE(*st.min_value, v);
    EXPECT_GE(*st.max_value, v);
  }
  std::string_view ci_bytes(file.data() + *cc.column_index_offset, *cc.column_index_length);
  ColumnIndex ci;
  ASSERT_TRUE(ParseColumnIndex(&ci_bytes, &ci).ok());
  EXPECT_EQ(ci.min_values[0], *st.min_value);
  EXPECT_EQ(ci.max_values[0], *st.max_value);
}

}  // namespace
}  // namespace swell::parquet
