// Page compression codecs of Parquet, shared by the reader and the writer.
//
// Decompress treats its input as hostile: the output never grows past the
// uncompressed size the page header declares, and a stream that decodes to
// any other size is Corruption. Streaming codecs grow their output as bytes
// actually come out, so a header claiming a huge size for a tiny page costs
// nothing until the data backs the claim.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "parquet/metadata.h"
#include "util/status.h"

namespace swell::parquet {

// Replaces *out with the compressed form of in. LZ4 is written in the Hadoop
// framing (what parquet-mr and Arrow write for the deprecated codec).
// level 0 is the codec's default (ZSTD 3, what every file had before levels
// were a knob). Only ZSTD takes another level: a level is a promise about
// the output, and silently ignoring it for other codecs would break it.
Status Compress(CompressionCodec codec, std::string_view in, std::string* out, int level = 0);

// OK when Compress accepts level for codec; InvalidArgument naming the valid
// range otherwise. Lets a writer refuse a bad level before writing a byte.
Status CheckCompressionLevel(CompressionCodec codec, int level);

// Replaces *out with exactly uncompressed_size bytes decoded from in.
// LZ4 accepts the Hadoop framing and, failing that, a raw LZ4 block (as
// Arrow does: older writers used either under the same codec id). GZIP
// accepts gzip or zlib framing and concatenated gzip members.
Status Decompress(CompressionCodec codec, std::string_view in, size_t uncompressed_size,
                  std::string* out);

}  // namespace swell::parquet
