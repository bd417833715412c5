// Record framing of the write-ahead log. Byte layout: docs/formats.md,
// "Write-ahead log".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace swell::wal {

// A record is a 16-byte header followed by the payload:
//   masked crc32c (4) | lsn (8) | payload length (4) | payload
// The checksum covers everything after itself (lsn, length, payload), so a
// record copied to the wrong place or left over from an older log is caught by
// the lsn check even when its bytes are intact.
constexpr size_t kRecordHeaderSize = 16;

// Bounds what a reader will believe from a length field; far above any ingest
// request (the collector refuses bodies long before this).
constexpr uint32_t kMaxPayloadBytes = 1u << 30;

// Appends header and payload of one record to *dst.
void EncodeRecord(uint64_t lsn, std::string_view payload, std::string* dst);

// The masked checksum stored in a record's header: crc32c over the header
// bytes after the checksum field followed by the payload.
uint32_t RecordChecksum(const char* header, std::string_view payload);

struct RecordHeader {
  uint32_t masked_crc = 0;
  uint64_t lsn = 0;
  uint32_t length = 0;
};

// REQUIRES: p points at kRecordHeaderSize readable bytes.
RecordHeader DecodeRecordHeader(const char* p);

}  // namespace swell::wal
