# swell_parquet_reader: decoders, decompression, column and file reader.
# swell_parquet_compression is shared with the writer.
set(_pqr ${CMAKE_CURRENT_LIST_DIR})

add_library(swell_parquet_compression STATIC ${_pqr}/compression.cc)
target_link_libraries(swell_parquet_compression PUBLIC swell_parquet_format
  PRIVATE Snappy::snappy ZLIB::ZLIB zstd::libzstd_shared PkgConfig::LZ4 PkgConfig::BROTLI)

add_library(swell_parquet_reader STATIC
  ${_pqr}/decoder/decoder.cc
  ${_pqr}/decoder/plain_decoder.cc
  ${_pqr}/decoder/dictionary_decoder.cc
  ${_pqr}/decoder/rle_bp_hybrid_decoder.cc
  ${_pqr}/decoder/delta_binary_packed_decoder.cc
  ${_pqr}/decoder/delta_length_byte_array_decoder.cc
  ${_pqr}/decoder/delta_byte_array_decoder.cc
  ${_pqr}/decoder/byte_stream_split_decoder.cc
  ${_pqr}/page_reader.cc
  ${_pqr}/column_reader.cc
  ${_pqr}/file_reader.cc)
target_link_libraries(swell_parquet_reader PUBLIC swell_parquet_format swell_parquet_compression
  PRIVATE ZLIB::ZLIB)

add_library(swell_parquet_value_format STATIC ${_pqr}/tools/value_format.cc)
target_link_libraries(swell_parquet_value_format PUBLIC swell_parquet_reader)

add_executable(parquet_dump ${_pqr}/tools/parquet_dump.cc)
target_link_libraries(parquet_dump PRIVATE swell_parquet_value_format)

swell_add_test(parquet_reader_test
  SOURCES ${_pqr}/compression_test.cc
          ${_pqr}/decoder/decoder_test.cc
          ${_pqr}/file_reader_test.cc
  LIBS swell_parquet_reader)

# The reader's libFuzzer target (clang only): scripts/fuzz.sh builds and runs it.
if(SWELL_FUZZ)
  foreach(_t swell_parquet_format swell_parquet_compression)
    target_compile_options(${_t} PRIVATE -fsanitize=fuzzer-no-link)
  endforeach()
  swell_add_fuzzer(parquet_reader_fuzzer ${_pqr}/fuzz/parquet_reader_fuzzer.cc swell_parquet_reader)
endif()
