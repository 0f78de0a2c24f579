#include "collectors/logs/envelope.h"

#include <array>
#include <nlohmann/json.hpp>

#include "base/json_bounded.h"
#include "base/units.h"
#include "collectors/logs/record_format.h"

namespace cg {
namespace {

constexpr std::array<std::pair<Envelope, std::string_view>, 4> kEnvelopes = {{
    {Envelope::kNone, "none"},
    {Envelope::kAuto, "auto"},
    {Envelope::kCri, "cri"},
    {Envelope::kDocker, "docker"},
}};

// "<time> stdout|stderr F|P <text>"; the text may be empty ("... F " or "... F").
bool DecodeCri(std::string_view line, EnvelopeLine* out) {
  if (line.size() < 20 || line[0] < '0' || line[0] > '9') return false;
  const size_t sp = line.find(' ');
  if (sp == std::string_view::npos || sp > 40) return false;
  std::string_view rest = line.substr(sp + 1);
  if (rest.size() < 8 ||
      (rest.compare(0, 7, "stdout ") != 0 && rest.compare(0, 7, "stderr ") != 0)) {
    return false;
  }
  const char tag = rest[7];
  if ((tag != 'F' && tag != 'P') || (rest.size() > 8 && rest[8] != ' ')) return false;
  WallTime t;
  if (!ParseRfc3339Nano(line.substr(0, sp), &t)) return false;
  out->kind = Envelope::kCri;
  out->stderr_stream = rest[3] == 'e';
  out->partial = tag == 'P';
  out->has_time = true;
  out->time = t;
  out->text = rest.size() > 9 ? rest.substr(9) : std::string_view();
  return true;
}

// {"log":"...","stream":"...","time":"..."}. nlohmann/json does the unescaping (\uXXXX,
// surrogate pairs); a cheap prefix test keeps it off every other line.
bool DecodeDocker(std::string_view line, std::string* scratch, EnvelopeLine* out) {
  if (line.size() < 9 || line[0] != '{' || line.size() > kMaxEnvelopeLine) return false;
  if (line.find("\"log\"") == std::string_view::npos) return false;
  // The json-file driver writes a flat object (with "attrs" one level deeper when labels are
  // logged): anything nested deeper is not its line.
  nlohmann::json j;
  if (!ParseJsonBounded(line, &j, /*max_depth=*/2, kMaxEnvelopeLine).ok() || !j.is_object()) {
    return false;
  }
  auto log = j.find("log");
  if (log == j.end() || !log->is_string()) return false;
  *scratch = log->get<std::string>();
  std::string_view text = *scratch;
  out->partial = true;
  if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
    out->partial = false;
  }
  out->kind = Envelope::kDocker;
  out->text = text;
  auto stream = j.find("stream");
  out->stderr_stream =
      stream != j.end() && stream->is_string() && stream->get_ref<const std::string&>() == "stderr";
  auto time = j.find("time");
  out->has_time = time != j.end() && time->is_string() &&
                  ParseRfc3339Nano(time->get_ref<const std::string&>(), &out->time);
  return true;
}

}  // namespace

std::string_view EnvelopeName(Envelope e) {
  for (const auto& [value, name] : kEnvelopes) {
    if (value == e) return name;
  }
  return "?";
}

std::optional<Envelope> ParseEnvelope(std::string_view name) {
  for (const auto& [value, n] : kEnvelopes) {
    if (n == name) return value;
  }
  return std::nullopt;
}

const std::vector<std::string>& EnvelopeNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& e : kEnvelopes) out.emplace_back(e.second);
    return out;
  }();
  return names;
}

bool ParseRfc3339Nano(std::string_view s, WallTime* out) {
  CivilTime t;
  if (s.size() < 20 || !ParseFixedDigits(s, 0, 4, &t.year) || s[4] != '-' ||
      !ParseFixedDigits(s, 5, 2, &t.month) || s[7] != '-' || !ParseFixedDigits(s, 8, 2, &t.day) ||
      (s[10] != 'T' && s[10] != 't') || !ParseFixedDigits(s, 11, 2, &t.hour) || s[13] != ':' ||
      !ParseFixedDigits(s, 14, 2, &t.minute) || s[16] != ':' ||
      !ParseFixedDigits(s, 17, 2, &t.second)) {
    return false;
  }
  size_t p = 19;
  int64_t nanos = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int digits = 0;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      if (digits < 9) {
        nanos = nanos * 10 + (s[p] - '0');
        ++digits;
      }
      ++p;
    }
    if (digits == 0) return false;
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }
  int64_t offset_s = 0;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int oh = 0, om = 0;
    if (!ParseFixedDigits(s, p + 1, 2, &oh) || p + 3 >= s.size() || s[p + 3] != ':' ||
        !ParseFixedDigits(s, p + 4, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    offset_s = (oh * 3600 + om * 60) * (s[p] == '-' ? -1 : 1);
    p += 6;
  } else {
    return false;
  }
  if (p != s.size()) return false;
  if (!IsPlausibleCivil(t)) return false;
  const int64_t secs = DaysFromCivil(t.year, t.month, t.day) * 86400 + t.hour * 3600 +
                       t.minute * 60 + t.second - offset_s;
  if (secs < kEarliestUnixSeconds || secs > kLatestUnixSeconds) return false;
  *out = WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::seconds(secs) +
                                                                 std::chrono::nanoseconds(nanos)));
  return true;
}

void DecodeEnvelope(Envelope mode, std::string_view line, std::string* scratch, EnvelopeLine* out) {
  *out = EnvelopeLine{};
  out->text = line;
  switch (mode) {
    case Envelope::kNone:
      return;
    case Envelope::kCri:
      DecodeCri(line, out);
      return;
    case Envelope::kDocker:
      DecodeDocker(line, scratch, out);
      return;
    case Envelope::kAuto:
      if (!DecodeCri(line, out)) DecodeDocker(line, scratch, out);
      return;
  }
}

}  // namespace cg
