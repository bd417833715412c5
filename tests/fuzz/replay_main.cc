// Runs each fuzzer's entry point over every file of its corpus directory,
// as libFuzzer would run them one by one, without libFuzzer: the regression
// test for what the fuzzers found.
//
//   fuzz_corpus_replay CORPUS_DIR [SHARED_DATA_DIR]
//
// CORPUS_DIR holds one directory per fuzzer, named as the fuzzer; each must
// exist and hold at least one file, and no directory may lack a fuzzer (a
// misnamed directory would otherwise never be replayed). SHARED_DATA_DIR,
// when present, adds the reference files the Parquet and theta fuzzers are
// seeded with (as scripts/fuzz.sh selects them). A fuzzer aborts on a
// broken invariant; the file being replayed is then printed.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <vector>

#define SWELL_FUZZER(name) extern "C" int SwellFuzz_##name(const uint8_t* data, size_t size);
SWELL_FUZZER(amplitude_request_fuzzer)
SWELL_FUZZER(ndjson_import_fuzzer)
SWELL_FUZZER(parquet_reader_fuzzer)
SWELL_FUZZER(theta_fuzzer)
SWELL_FUZZER(user_set_fuzzer)
SWELL_FUZZER(query_request_fuzzer)
#undef SWELL_FUZZER

namespace {

namespace fs = std::filesystem;

struct Fuzzer {
  const char* name;
  int (*fn)(const uint8_t*, size_t);
};

const Fuzzer kFuzzers[] = {
    {"amplitude_request_fuzzer", SwellFuzz_amplitude_request_fuzzer},
    {"ndjson_import_fuzzer", SwellFuzz_ndjson_import_fuzzer},
    {"parquet_reader_fuzzer", SwellFuzz_parquet_reader_fuzzer},
    {"theta_fuzzer", SwellFuzz_theta_fuzzer},
    {"user_set_fuzzer", SwellFuzz_user_set_fuzzer},
    {"query_request_fuzzer", SwellFuzz_query_request_fuzzer},
};

// The input being run, for the crash message (a signal handler may only
// write(2) what is already in memory).
char g_current[4096];

void OnCrash(int sig) {
  const char msg[] = "\nfuzz_corpus_replay: crashed on ";
  (void)!write(2, msg, sizeof(msg) - 1);
  (void)!write(2, g_current, strnlen(g_current, sizeof(g_current)));
  (void)!write(2, "\n", 1);
  signal(sig, SIG_DFL);
  raise(sig);
}

std::vector<fs::path> FilesUnder(const fs::path& dir, bool recursive) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  if (recursive) {
    for (const auto& e : fs::recursive_directory_iterator(dir, ec))
      if (e.is_regular_file()) out.push_back(e.path());
  } else {
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.is_regular_file()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The shared seeds scripts/fuzz.sh gives the fuzzer (none for most).
std::vector<fs::path> SharedSeeds(const std::string& name, const fs::path& shared) {
  std::vector<fs::path> out;
  if (shared.empty()) return out;
  if (name == "parquet_reader_fuzzer") {
    for (const char* sub : {"parquet-testing/data", "parquet-testing/bad_data"}) {
      for (const fs::path& p : FilesUnder(shared / sub, true)) {
        std::error_code ec;
        if (p.extension() == ".parquet" && fs::file_size(p, ec) < 256 * 1024) out.push_back(p);
      }
    }
  } else if (name == "theta_fuzzer") {
    for (const fs::path& p : FilesUnder(shared / "datasketches-theta", true))
      if (p.extension() == ".sk") out.push_back(p);
  }
  return out;
}

bool ReadFile(const fs::path& p, std::string* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [SHARED_DATA_DIR]\n", argv[0]);
    return 2;
  }
  const fs::path corpus = argv[1];
  const fs::path shared = argc > 2 ? fs::path(argv[2]) : fs::path();
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) signal(sig, OnCrash);

  int failures = 0;
  std::set<std::string> known;
  for (const Fuzzer& f : kFuzzers) {
    known.insert(f.name);
    const fs::path dir = corpus / f.name;
    std::vector<fs::path> files = FilesUnder(dir, false);
    if (files.empty()) {
      std::fprintf(stderr, "%s: no seed files in %s\n", f.name, dir.c_str());
      failures++;
      continue;
    }
    const size_t own = files.size();
    for (fs::path& p : SharedSeeds(f.name, shared)) files.push_back(std::move(p));
    const auto start = std::chrono::steady_clock::now();
    size_t bytes = 0;
    for (const fs::path& p : files) {
      std::string data;
      if (!ReadFile(p, &data)) {
        std::fprintf(stderr, "%s: cannot read %s\n", f.name, p.c_str());
        failures++;
        continue;
      }
      std::snprintf(g_current, sizeof(g_current), "%s %s", f.name, p.c_str());
      // A copy the exact size of the input, as libFuzzer passes it, so that
      // a read past the end is not hidden by std::string's slack.
      std::unique_ptr<uint8_t[]> copy(new uint8_t[data.size()]);
      std::memcpy(copy.get(), data.data(), data.size());
      f.fn(copy.get(), data.size());
      bytes += data.size();
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s: %zu corpus files + %zu shared seeds, %zu bytes, %.0f ms\n", f.name, own, files.size() - own,
                bytes, ms);
  }
  for (const fs::path& p : FilesUnder(corpus, false)) {
    std::fprintf(stderr, "%s: a file where only fuzzer directories belong\n", p.c_str());
    failures++;
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(corpus, ec)) {
    if (e.is_directory() && !known.count(e.path().filename().string())) {
      std::fprintf(stderr, "%s: no fuzzer of that name\n", e.path().c_str());
      failures++;
    }
  }
  if (ec) {
    std::fprintf(stderr, "%s: %s\n", corpus.c_str(), ec.message().c_str());
    failures++;
  }
  if (failures > 0) return 1;
  std::printf("fuzz_corpus_replay: every input ran clean\n");
  return 0;
}
