#include "parquet/page_reader.h"

#include <zlib.h>

#include "parquet/compression.h"

namespace swell::parquet {

Status PageReader::Error(const std::string& what) const {
  return Status::Corruption("column '" + column_ + "' page at chunk offset " +
                            std::to_string(pos_) + ": " + what);
}

Status PageReader::Next(Page* page, bool* done) {
  while (true) {
    *done = false;
    if (pos_ >= chunk_.size()) {
      *done = true;
      return Status::OK();
    }
    std::string_view in = chunk_.substr(pos_);
    size_t before = in.size();
    page->header = PageHeader();
    Status st = ParsePageHeader(&in, &page->header);
    if (!st.ok()) return Error("bad page header: " + st.ToString());
    size_t header_size = before - in.size();
    const PageHeader& h = page->header;
    if (h.compressed_page_size < 0 || static_cast<size_t>(h.compressed_page_size) > in.size()) {
      return Error("compressed size " + std::to_string(h.compressed_page_size) + " overruns the " +
                   std::to_string(in.size()) + " bytes left in the column chunk");
    }
    if (h.uncompressed_page_size < 0 ||
        static_cast<size_t>(h.uncompressed_page_size) > options_.max_page_size) {
      return Error("uncompressed size " + std::to_string(h.uncompressed_page_size) +
                   " is negative or over the limit");
    }
    std::string_view body = in.substr(0, h.compressed_page_size);
    if (options_.verify_checksums && h.crc.has_value()) {
      uint32_t crc = static_cast<uint32_t>(
          crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
      if (crc != static_cast<uint32_t>(*h.crc)) return Error("page checksum (CRC32) mismatch");
    }
    size_t page_start = pos_;
    pos_ += header_size + body.size();
    size_t uncompressed = static_cast<size_t>(h.uncompressed_page_size);
    page->repetition_levels = {};
    page->definition_levels = {};

    if (h.type == PageType::DATA_PAGE_V2) {
      if (!h.data_page_header_v2) return Error("DATA_PAGE_V2 without its header");
      const DataPageHeaderV2& v2 = *h.data_page_header_v2;
      int64_t rep = v2.repetition_levels_byte_length;
      int64_t def = v2.definition_levels_byte_length;
      if (rep < 0 || def < 0 || rep + def > static_cast<int64_t>(body.size()) ||
          rep + def > static_cast<int64_t>(uncompressed)) {
        pos_ = page_start;
        return Error("level lengths " + std::to_string(rep) + "+" + std::to_string(def) +
                     " overrun the page");
      }
      page->repetition_levels = body.substr(0, rep);
      page->definition_levels = body.substr(rep, def);
      std::string_view compressed = body.substr(rep + def);
      size_t values_size = uncompressed - rep - def;
      if (!v2.is_compressed || codec_ == CompressionCodec::UNCOMPRESSED ||
          (compressed.empty() && values_size == 0)) {
        if (compressed.size() != values_size) {
          return Error("uncompressed values section of " + std::to_string(compressed.size()) +
                       " bytes, header declares " + std::to_string(values_size));
        }
        page->values = compressed;
      } else {
        st = Decompress(codec_, compressed, values_size, &page->buffer);
        if (!st.ok()) return Error(st.ToString());
        page->values = page->buffer;
      }
      return Status::OK();
    }
    if (h.type == PageType::DATA_PAGE || h.type == PageType::DICTIONARY_PAGE) {
      if (h.type == PageType::DATA_PAGE && !h.data_page_header) {
        return Error("DATA_PAGE without its header");
      }
      if (h.type == PageType::DICTIONARY_PAGE && !h.dictionary_page_header) {
        return Error("DICTIONARY_PAGE without its header");
      }
      if (codec_ == CompressionCodec::UNCOMPRESSED || (body.empty() && uncompressed == 0)) {
        if (body.size() != uncompressed) {
          return Error("uncompressed page of " + std::to_string(body.size()) +
                       " bytes, header declares " + std::to_string(uncompressed));
        }
        page->values = body;
      } else {
        st = Decompress(codec_, body, uncompressed, &page->buffer);
        if (!st.ok()) return Error(st.ToString());
        page->values = page->buffer;
      }
      return Status::OK();
    }
    // INDEX_PAGE or a newer page type: nothing this reader uses.
  }
}

}  // namespace swell::parquet
