// signatures_replay_cost FILE [RUNS]: what signature mining adds to `replay`.
//
// Reads FILE (a wso2carbon.log) with the collectors' ReadRecordsFromFile, the assembler
// `replay` uses, three ways, each the best of RUNS (default 3) on one thread:
//   assembly    a sink that only counts the records;
//   + mine all  a sink that also gives every record to SignatureMiner::AddRecord;
//   + mine WARN+ the same for WARN, ERROR and FATAL records only (what the "new" and
//               "regressed" detectors of issue 14 need: INFO never raises anything).
// The difference to the first is the cost of mining with the record hot in cache, as in
// `replay`. bench/signatures/run sets it against replay's and ripgrep's times on the file
// bench/rules generates.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "collectors/logs/read_records.h"
#include "rules/signatures/miner.h"

namespace {

enum class Mode { kCount, kMineAll, kMineWarn };

struct Run {
  double seconds = 0;
  uint64_t records = 0;
  uint64_t lines = 0;
  uint64_t mined = 0;
  cg::SignatureMinerStats stats;
};

bool Once(const char* path, Mode mode, Run* out) {
  cg::LogSpec spec;
  spec.name = "carbon";
  spec.format = cg::LogFormat::kWso2Carbon;
  spec.timezone = cg::TimeZone::Utc();
  auto miner = cg::SignatureMiner::Create(cg::SignatureMinerOptions{});
  if (!miner.ok()) return false;
  Run run;
  uint64_t sink = 0;
  cg::FileReadStats stats;
  const auto t0 = std::chrono::steady_clock::now();
  const cg::Status status = cg::ReadRecordsFromFile(
      path, spec,
      [&](const cg::Record& r) {
        ++run.records;
        if (mode == Mode::kCount || (mode == Mode::kMineWarn && r.level < cg::Level::kWarn)) {
          return;
        }
        sink += (*miner)->AddRecord(r).id;
        ++run.mined;
      },
      &stats);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    return false;
  }
  run.lines = stats.lines;
  run.stats = (*miner)->stats();
  if (sink == 42) std::printf(" ");  // Keeps the mining from being optimised away.
  *out = run;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: signatures_replay_cost FILE [RUNS]\n");
    return 2;
  }
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  Run best[3];
  for (int i = 0; i < runs; ++i) {
    for (int m = 0; m < 3; ++m) {
      Run r;
      if (!Once(argv[1], static_cast<Mode>(m), &r)) return 1;
      if (i == 0 || r.seconds < best[m].seconds) best[m] = r;
    }
  }
  const double records = static_cast<double>(best[0].records);
  std::printf("input: %llu lines, %llu records; best of %d\n",
              static_cast<unsigned long long>(best[0].lines),
              static_cast<unsigned long long>(best[0].records), runs);
  std::printf("assembly alone:          %.3f s  %5.0f ns/record\n", best[0].seconds,
              best[0].seconds * 1e9 / records);
  const char* const kNames[] = {"", "assembly + mine all:    ", "assembly + mine WARN+:  "};
  for (int m = 1; m < 3; ++m) {
    const double extra = best[m].seconds - best[0].seconds;
    const cg::SignatureMinerStats& st = best[m].stats;
    const double mined = std::max<double>(1, static_cast<double>(best[m].mined));
    std::printf(
        "%s%.3f s  mining +%.3f s, %5.0f ns per input record (%llu mined: %.1f%% by the "
        "memo, %.1f%% by the cache; %llu signatures)\n",
        kNames[m], best[m].seconds, extra, extra * 1e9 / records,
        static_cast<unsigned long long>(best[m].mined),
        100.0 * static_cast<double>(st.memo_hits) / mined,
        100.0 * static_cast<double>(st.cache_hits) / mined,
        static_cast<unsigned long long>(st.signatures));
  }
  return 0;
}
