#include "parquet/compression.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

namespace swell::parquet {
namespace {

// LZ4 cannot expand a byte into more than 255 (a literal-free match run), so a
// block claiming more is corrupt before it is decoded.
constexpr size_t kLz4MaxRatio = 255;

// Arrow's default: brotli's own default (11) is several times slower for a
// few percent of size.
constexpr int kBrotliQuality = 8;

// Arrow's and the zstd CLI's default, and what Swell wrote before the level
// was a knob.
constexpr int kZstdDefaultLevel = 3;

// The first output allocation of a streaming codec; later ones double, capped
// by the declared size.
size_t InitialCapacity(size_t in_size, size_t declared) {
  return std::min(declared, std::max<size_t>(4 * in_size, 64 * 1024));
}

Status SizeMismatch(std::string_view codec, size_t got, size_t declared) {
  return Status::Corruption(std::string(codec) + " page decompressed to " + std::to_string(got) +
                            " bytes, header declares " + std::to_string(declared));
}

Status DecompressSnappy(std::string_view in, size_t declared, std::string* out) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &length)) {
    return Status::Corruption("SNAPPY page has a corrupt length header");
  }
  if (length != declared) return SizeMismatch("SNAPPY", length, declared);
  out->resize(declared);
  if (!snappy::RawUncompress(in.data(), in.size(), out->data())) {
    return Status::Corruption("SNAPPY page is corrupt");
  }
  return Status::OK();
}

Status DecompressGzip(std::string_view in, size_t declared, std::string* out) {
  out->clear();
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  // 15 + 32: a window of 2^15 with automatic gzip or zlib header detection.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::ResourceExhausted("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  out->resize(InitialCapacity(in.size(), declared));
  size_t produced = 0;
  Status status;
  while (true) {
    if (produced == out->size() && out->size() < declared) {
      out->resize(std::min(declared, out->size() * 2 + 1));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + produced);
    zs.avail_out = static_cast<uInt>(out->size() - produced);
    size_t before = zs.avail_out;
    int rc = inflate(&zs, Z_NO_FLUSH);
    produced += before - zs.avail_out;
    if (rc == Z_STREAM_END) {
      // Several gzip members one after another form one page.
      if (zs.avail_in == 0) break;
      if (inflateReset(&zs) != Z_OK) {
        status = Status::Corruption("GZIP page: cannot start the next member");
        break;
      }
      continue;
    }
    if (rc == Z_BUF_ERROR && produced == declared) {
      status = SizeMismatch("GZIP", declared + 1, declared);
      break;
    }
    if (rc != Z_OK) {
      status = Status::Corruption(std::string("GZIP page is corrupt: ") +
                                  (zs.msg != nullptr ? zs.msg : "inflate error"));
      break;
    }
    if (zs.avail_in == 0 && zs.avail_out != 0) {
      status = Status::Corruption("GZIP page is truncated");
      break;
    }
  }
  inflateEnd(&zs);
  SWELL_RETURN_IF_ERROR(status);
  if (produced != declared) return SizeMismatch("GZIP", produced, declared);
  out->resize(produced);
  return Status::OK();
}

Status DecompressBrotli(std::string_view in, size_t declared, std::string* out) {
  BrotliDecoderState* state = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (state == nullptr) return Status::ResourceExhausted("brotli decoder allocation failed");
  out->resize(InitialCapacity(in.size(), declared));
  size_t produced = 0;
  const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
  size_t avail_in = in.size();
  Status status;
  while (true) {
    if (produced == out->size() && out->size() < declared) {
      out->resize(std::min(declared, out->size() * 2 + 1));
    }
    uint8_t* next_out = reinterpret_cast<uint8_t*>(out->data() + produced);
    size_t avail_out = out->size() - produced;
    size_t before = avail_out;
    BrotliDecoderResult rc =
        BrotliDecoderDecompressStream(state, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    produced += before - avail_out;
    if (rc == BROTLI_DECODER_RESULT_SUCCESS) break;
    if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
      if (produced >= declared) {
        status = SizeMismatch("BROTLI", declared + 1, declared);
        break;
      }
      continue;
    }
    if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
      status = Status::Corruption("BROTLI page is truncated");
      break;
    }
    status = Status::Corruption(std::string("BROTLI page is corrupt: ") +
                                BrotliDecoderErrorString(BrotliDecoderGetErrorCode(state)));
    break;
  }
  BrotliDecoderDestroyInstance(state);
  SWELL_RETURN_IF_ERROR(status);
  if (produced != declared) return SizeMismatch("BROTLI", produced, declared);
  out->resize(produced);
  return Status::OK();
}

Status DecompressZstd(std::string_view in, size_t declared, std::string* out) {
  ZSTD_DStream* stream = ZSTD_createDStream();
  if (stream == nullptr) return Status::ResourceExhausted("zstd decoder allocation failed");
  out->resize(InitialCapacity(in.size(), declared));
  size_t produced = 0;
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  Status status;
  while (true) {
    if (produced == out->size() && out->size() < declared) {
      out->resize(std::min(declared, out->size() * 2 + 1));
    }
    ZSTD_outBuffer output{out->data(), out->size(), produced};
    size_t in_before = input.pos;
    size_t rc = ZSTD_decompressStream(stream, &output, &input);
    bool progressed = input.pos != in_before || output.pos != produced;
    produced = output.pos;
    if (ZSTD_isError(rc)) {
      status = Status::Corruption(std::string("ZSTD page is corrupt: ") + ZSTD_getErrorName(rc));
      break;
    }
    if (rc == 0 && input.pos == input.size) break;  // the last frame is complete
    if (!progressed) {
      status = produced >= declared ? SizeMismatch("ZSTD", declared + 1, declared)
                                    : Status::Corruption("ZSTD page is truncated");
      break;
    }
  }
  ZSTD_freeDStream(stream);
  SWELL_RETURN_IF_ERROR(status);
  if (produced != declared) return SizeMismatch("ZSTD", produced, declared);
  out->resize(produced);
  return Status::OK();
}

Status DecompressLz4Raw(std::string_view in, size_t declared, std::string* out) {
  if (declared > in.size() * kLz4MaxRatio + 16) {
    return Status::Corruption("LZ4 page declares " + std::to_string(declared) +
                              " bytes, more than its " + std::to_string(in.size()) +
                              " compressed bytes can hold");
  }
  out->resize(declared);
  if (in.size() > static_cast<size_t>(INT32_MAX) || declared > static_cast<size_t>(INT32_MAX)) {
    return Status::Corruption("LZ4 page too large");
  }
  int n = LZ4_decompress_safe(in.data(), out->data(), static_cast<int>(in.size()),
                              static_cast<int>(declared));
  if (n < 0) return Status::Corruption("LZ4 page is corrupt");
  if (static_cast<size_t>(n) != declared) return SizeMismatch("LZ4", n, declared);
  return Status::OK();
}

uint32_t LoadBigEndian32(const char* p) {
  const auto* b = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

// Hadoop's LZ4 framing: blocks of [u32 BE uncompressed][u32 BE compressed][raw block].
Status DecompressLz4Hadoop(std::string_view in, size_t declared, std::string* out) {
  out->clear();
  while (!in.empty()) {
    if (in.size() < 8) return Status::Corruption("LZ4 (Hadoop) block header truncated");
    uint32_t block_uncompressed = LoadBigEndian32(in.data());
    uint32_t block_compressed = LoadBigEndian32(in.data() + 4);
    in.remove_prefix(8);
    if (block_compressed > in.size()) return Status::Corruption("LZ4 (Hadoop) block truncated");
    if (block_uncompressed > declared - out->size()) {
      return Status::Corruption("LZ4 (Hadoop) blocks exceed the declared page size");
    }
    std::string block;
    SWELL_RETURN_IF_ERROR(
        DecompressLz4Raw(in.substr(0, block_compressed), block_uncompressed, &block));
    out->append(block);
    in.remove_prefix(block_compressed);
  }
  if (out->size() != declared) return SizeMismatch("LZ4 (Hadoop)", out->size(), declared);
  return Status::OK();
}

}  // namespace

Status Decompress(CompressionCodec codec, std::string_view in, size_t uncompressed_size,
                  std::string* out) {
  switch (codec) {
    case CompressionCodec::UNCOMPRESSED:
      if (in.size() != uncompressed_size) return SizeMismatch("UNCOMPRESSED", in.size(), uncompressed_size);
      out->assign(in);
      return Status::OK();
    case CompressionCodec::SNAPPY:
      return DecompressSnappy(in, uncompressed_size, out);
    case CompressionCodec::GZIP:
      return DecompressGzip(in, uncompressed_size, out);
    case CompressionCodec::BROTLI:
      return DecompressBrotli(in, uncompressed_size, out);
    case CompressionCodec::ZSTD:
      return DecompressZstd(in, uncompressed_size, out);
    case CompressionCodec::LZ4_RAW:
      return DecompressLz4Raw(in, uncompressed_size, out);
    case CompressionCodec::LZ4: {
      Status hadoop = DecompressLz4Hadoop(in, uncompressed_size, out);
      if (hadoop.ok()) return hadoop;
      if (DecompressLz4Raw(in, uncompressed_size, out).ok()) return Status::OK();
      return hadoop;
    }
    default:
      return Status::NotSupported("compression codec " + ToString(codec) + " is not supported");
  }
}

Status CheckCompressionLevel(CompressionCodec codec, int level) {
  if (level == 0) return Status::OK();
  if (codec != CompressionCodec::ZSTD) {
    return Status::InvalidArgument("compression level " + std::to_string(level) +
                                   " given for " + ToString(codec) +
                                   ", which takes none (only ZSTD has levels)");
  }
  // Negative levels are zstd's fast modes; they are valid, if rarely useful.
  if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
    return Status::InvalidArgument("ZSTD compression level " + std::to_string(level) +
                                   " is outside [" + std::to_string(ZSTD_minCLevel()) + ", " +
                                   std::to_string(ZSTD_maxCLevel()) + "]");
  }
  return Status::OK();
}

Status Compress(CompressionCodec codec, std::string_view in, std::string* out, int level) {
  SWELL_RETURN_IF_ERROR(CheckCompressionLevel(codec, level));
  out->clear();
  switch (codec) {
    case CompressionCodec::UNCOMPRESSED:
      out->assign(in);
      return Status::OK();
    case CompressionCodec::SNAPPY: {
      out->resize(snappy::MaxCompressedLength(in.size()));
      size_t n = 0;
      snappy::RawCompress(in.data(), in.size(), out->data(), &n);
      out->resize(n);
      return Status::OK();
    }
    case CompressionCodec::GZIP: {
      z_stream zs;
      std::memset(&zs, 0, sizeof(zs));
      // 15 + 16: gzip framing, which is what the Parquet specification names.
      if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
          Z_OK) {
        return Status::ResourceExhausted("deflateInit2 failed");
      }
      out->resize(deflateBound(&zs, in.size()) + 32);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      zs.avail_in = static_cast<uInt>(in.size());
      zs.next_out = reinterpret_cast<Bytef*>(out->data());
      zs.avail_out = static_cast<uInt>(out->size());
      int rc = deflate(&zs, Z_FINISH);
      size_t n = zs.total_out;
      deflateEnd(&zs);
      if (rc != Z_STREAM_END) return Status::Corruption("GZIP compression failed");
      out->resize(n);
      return Status::OK();
    }
    case CompressionCodec::BROTLI: {
      size_t n = BrotliEncoderMaxCompressedSize(in.size());
      if (n == 0) n = in.size() + 1024;
      out->resize(n);
      if (!BrotliEncoderCompress(kBrotliQuality, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC,
                                 in.size(), reinterpret_cast<const uint8_t*>(in.data()), &n,
                                 reinterpret_cast<uint8_t*>(out->data()))) {
        return Status::Corruption("BROTLI compression failed");
      }
      out->resize(n);
      return Status::OK();
    }
    case CompressionCodec::ZSTD: {
      out->resize(ZSTD_compressBound(in.size()));
      size_t n = ZSTD_compress(out->data(), out->size(), in.data(), in.size(),
                               level == 0 ? kZstdDefaultLevel : level);
      if (ZSTD_isError(n)) return Status::Corruption(ZSTD_getErrorName(n));
      out->resize(n);
      return Status::OK();
    }
    case CompressionCodec::LZ4:
    case CompressionCodec::LZ4_RAW: {
      if (in.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
        return Status::InvalidArgument("page too large for LZ4");
      }
      size_t header = codec == CompressionCodec::LZ4 ? 8 : 0;
      out->resize(header + LZ4_compressBound(static_cast<int>(in.size())));
      int n = LZ4_compress_default(in.data(), out->data() + header, static_cast<int>(in.size()),
                                   static_cast<int>(out->size() - header));
      if (n <= 0) return Status::Corruption("LZ4 compression failed");
      if (header != 0) {
        uint32_t sizes[2] = {static_cast<uint32_t>(in.size()), static_cast<uint32_t>(n)};
        for (int i = 0; i < 2; ++i) {
          for (int b = 0; b < 4; ++b) {
            (*out)[i * 4 + b] = static_cast<char>(sizes[i] >> (24 - 8 * b));
          }
        }
      }
      out->resize(header + n);
      return Status::OK();
    }
    default:
      return Status::NotSupported("compression codec " + ToString(codec) + " is not supported");
  }
}

}  // namespace swell::parquet
