#include "rules/rule_spec.h"

#include <cstring>

namespace cg {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "info";
}

std::optional<Severity> ParseSeverity(std::string_view name) {
  if (name == "info") return Severity::kInfo;
  if (name == "warning") return Severity::kWarning;
  if (name == "critical") return Severity::kCritical;
  return std::nullopt;
}

std::string_view RuleKindName(RuleKind k) {
  switch (k) {
    case RuleKind::kLog:
      return "log";
    case RuleKind::kMetric:
      return "metric";
    case RuleKind::kProcessDown:
      return "process_down";
    case RuleKind::kProcessRestarted:
      return "process_restarted";
    case RuleKind::kLogSilent:
      return "log_silent";
    case RuleKind::kBootFailed:
      return "boot_failed";
    case RuleKind::kNewSignature:
      return "new_signature";
    case RuleKind::kSignatureRate:
      return "signature_rate";
    case RuleKind::kErrorStorm:
      return "error_storm";
  }
  return "log";
}

std::string SourcePos::ToString() const {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  return out;
}

namespace {

// FNV-1a over a field sequence. Each field is length-prefixed so ("ab","c") != ("a","bc").
class Hasher {
 public:
  void Bytes(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
      h_ ^= p[i];
      h_ *= 1099511628211ull;
    }
  }
  void Str(std::string_view s) {
    U64(s.size());
    Bytes(s.data(), s.size());
  }
  void U64(uint64_t v) { Bytes(&v, sizeof v); }
  void Dbl(std::optional<double> v) {
    U64(v.has_value());
    if (v) {
      uint64_t bits;
      std::memcpy(&bits, &*v, sizeof bits);
      U64(bits);
    }
  }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 14695981039346656037ull;
};

}  // namespace

uint64_t Fingerprint(const RuleSpec& s) {
  Hasher h;
  h.Str(s.id);
  h.Str(s.description);
  h.Str(s.runbook);
  h.U64(static_cast<uint64_t>(s.severity));
  h.U64(static_cast<uint64_t>(s.kind));
  h.U64(static_cast<uint64_t>(s.for_.count()));
  h.U64(s.clear.count.value_or(~0ull));
  h.U64(static_cast<uint64_t>(s.clear.keep_firing_for.count()));
  h.U64(s.clear.until_boot);
  h.U64(s.labels.size());
  for (const auto& [k, v] : s.labels) {
    h.Str(k);
    h.Str(v);
  }
  h.U64(static_cast<uint64_t>(s.warmup.count()));
  h.U64(s.warmup_default);
  h.U64(s.logs.size());
  for (const auto& l : s.logs) h.Str(l);
  h.U64(s.source.size());
  for (LogFormat f : s.source) h.Str(LogFormatName(f));
  h.Str(s.match);
  h.Str(s.exclude);
  h.Str(s.loggers);
  h.Str(s.exclude_loggers);
  h.U64(s.levels);
  h.U64(s.threshold.count);
  h.U64(static_cast<uint64_t>(s.threshold.window.count()));
  h.Str(s.threshold.distinct_label);
  h.U64(s.threshold.distinct_count);
  h.U64(s.max_label_sets);
  h.U64(s.evidence);
  h.Str(s.metric);
  h.Dbl(s.above);
  h.Dbl(s.below);
  h.Str(s.target);
  h.U64(static_cast<uint64_t>(s.duration.count()));
  h.U64(s.threshold.minutes);
  h.Dbl(s.ratio);
  h.Dbl(s.significance);
  h.Str(s.traffic);
  return h.value();
}

}  // namespace cg
