#include "wal/log_format.h"

#include "util/coding.h"
#include "util/crc32c.h"

namespace swell::wal {

void EncodeRecord(uint64_t lsn, std::string_view payload, std::string* dst) {
  size_t start = dst->size();
  PutFixed32(dst, 0);  // checksum, filled in below once the covered bytes are in place
  PutFixed64(dst, lsn);
  PutFixed32(dst, static_cast<uint32_t>(payload.size()));
  dst->append(payload.data(), payload.size());
  uint32_t crc = RecordChecksum(dst->data() + start, payload);
  char* p = dst->data() + start;
  std::memcpy(p, &crc, 4);
}

uint32_t RecordChecksum(const char* header, std::string_view payload) {
  uint32_t crc = crc32c::Extend(0, header + 4, kRecordHeaderSize - 4);
  crc = crc32c::Extend(crc, payload.data(), payload.size());
  return crc32c::Mask(crc);
}

RecordHeader DecodeRecordHeader(const char* p) {
  RecordHeader h;
  h.masked_crc = DecodeFixed32(p);
  h.lsn = DecodeFixed64(p + 4);
  h.length = DecodeFixed32(p + 12);
  return h;
}

}  // namespace swell::wal
