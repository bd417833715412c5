# swell_parquet_format: the Thrift Compact Protocol and the parquet.thrift
# metadata structures, shared by the reader and the writer.
# swell_parquet_writer: encoders, column and file writer, page index.
set(_pqw ${CMAKE_CURRENT_LIST_DIR})

add_library(swell_parquet_format STATIC
  ${_pqw}/thrift/compact_protocol.cc
  ${_pqw}/metadata.cc)
target_link_libraries(swell_parquet_format PUBLIC swell_util)

swell_add_test(parquet_format_test
  SOURCES ${_pqw}/thrift/compact_protocol_test.cc
          ${_pqw}/metadata_test.cc
  LIBS swell_parquet_format)

# created_by names the commit the writer was built from, when there is one.
execute_process(COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  OUTPUT_VARIABLE _swell_build_hash OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE _swell_git_rc ERROR_QUIET)
if(NOT _swell_git_rc EQUAL 0 OR _swell_build_hash STREQUAL "")
  set(_swell_build_hash "none")
endif()

add_library(swell_parquet_writer STATIC
  ${_pqw}/encoder/plain_encoder.cc
  ${_pqw}/encoder/dictionary_encoder.cc
  ${_pqw}/encoder/rle_bp_hybrid_encoder.cc
  ${_pqw}/statistics_builder.cc
  ${_pqw}/page_index_builder.cc
  ${_pqw}/writer_schema.cc
  ${_pqw}/column_writer.cc
  ${_pqw}/output_file.cc
  ${_pqw}/file_writer.cc)
target_link_libraries(swell_parquet_writer PUBLIC swell_parquet_format swell_parquet_compression
  PRIVATE ZLIB::ZLIB)
set_source_files_properties(${_pqw}/file_writer.cc PROPERTIES COMPILE_DEFINITIONS
  "SWELL_VERSION=\"${PROJECT_VERSION}\";SWELL_BUILD_HASH=\"${_swell_build_hash}\"")

swell_add_test(parquet_writer_test
  SOURCES ${_pqw}/encoder/encoder_test.cc
          ${_pqw}/file_writer_test.cc
  LIBS swell_parquet_writer)
