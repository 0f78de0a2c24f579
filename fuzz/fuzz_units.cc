// Fuzzes the small value parsers behind config keys, rule files, log lines and API parameters:
// ParseDuration, ParseSize, ParseHostPort, ParseCivilTime (base/units.h),
// ParseLogTimestamp (collectors/logs/record_format.h) and ParseTimeParam
// (daemon/http/time_param.h, the `since=` query parameter and the cutover body).
//
// They are hand-written digit-and-unit scanners where overflow and off-by-one bugs live, and
// ParseTimeParam takes text straight off the network. Besides "no crash, no UB", it checks the
// properties the callers rely on: FormatDuration/HostPort::ToString round-trip through their
// parsers, and the two timestamp parsers agree on what both accept.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/units.h"
#include "collectors/logs/record_format.h"
#include "daemon/http/time_param.h"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "fuzz_units: %s for input [%.*s]\n", what,
               static_cast<int>(std::min<size_t>(input.size(), 200)), input.data());
  std::abort();
}

bool SameCivil(const cg::CivilTime& a, const cg::CivilTime& b) {
  return a.year == b.year && a.month == b.month && a.day == b.day && a.hour == b.hour &&
         a.minute == b.minute && a.second == b.second && a.millis == b.millis;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto d = cg::ParseDuration(text); d.ok()) {
    if (d->count() < 0) Fail("negative duration", text);
    std::string formatted = cg::FormatDuration(*d);
    auto again = cg::ParseDuration(formatted);
    if (!again.ok() || *again != *d) Fail("FormatDuration does not round-trip", text);
  }

  if (auto s = cg::ParseSize(text); s.ok()) (void)*s;

  if (auto hp = cg::ParseHostPort(text); hp.ok()) {
    std::string formatted = hp->ToString();
    auto again = cg::ParseHostPort(formatted);
    if (!again.ok() || again->host != hp->host || again->port != hp->port) {
      Fail("HostPort::ToString does not round-trip", text);
    }
  }

  cg::CivilTime log_time;
  const bool log_ok = cg::ParseLogTimestamp(text, &log_time);
  if (log_ok && !cg::IsPlausibleCivil(log_time)) Fail("implausible log timestamp", text);
  if (auto civil = cg::ParseCivilTime(text); civil.ok()) {
    // ParseLogTimestamp is the lenient one (unpadded hour): it accepts all ParseCivilTime does.
    if (!log_ok || !SameCivil(log_time, *civil)) Fail("timestamp parsers disagree", text);
    (void)cg::FormatRfc3339(cg::TimeZone::Utc().ToWall(*civil));
    (void)cg::FormatRfc3339(cg::TimeZone::FixedOffset(std::chrono::hours(-14)).ToWall(*civil));
  }
  if (log_ok) (void)cg::TimeZone::Utc().ToWall(log_time);

  if (auto z = cg::TimeZone::Parse(text); z.ok()) (void)z->Name();

  const cg::WallTime now{std::chrono::seconds(1'764'000'000)};
  if (auto t = cg::ParseTimeParam(text, now); t.ok()) (void)cg::FormatRfc3339(*t);
  return 0;
}
