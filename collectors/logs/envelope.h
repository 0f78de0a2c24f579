// Container runtime envelopes: the per-line wrapping a container runtime adds to what a process
// writes on stdout/stderr, removed before record assembly so that a WSO2 console read from
// /var/log/pods/... or /var/lib/docker/containers/... assembles exactly like nohup.out.
//
//   cri     <RFC 3339 nano time> stdout|stderr F|P <text>     (containerd, CRI-O; kubelet's
//           /var/log/pods). "P" is a partial piece of a line the runtime split (16 KiB), the
//           line ends at the next "F" piece of the same stream.
//   docker  {"log":"<text>\n","stream":"stdout","time":"<RFC 3339 nano>"}   (json-file driver).
//           A "log" without its trailing "\n" is a partial piece, as above.
//   auto    Per line: a line in either envelope is unwrapped, any other line passes unchanged
//           (the shipped default; a raw log line never has either shape by accident: the CRI
//           form needs the stream word after a nanosecond time, the Docker one a JSON object
//           with a string "log").
//
// Pure functions of their input; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"

namespace cg {

enum class Envelope { kNone, kAuto, kCri, kDocker };

std::string_view EnvelopeName(Envelope e);  // "none", "auto", "cri", "docker".
std::optional<Envelope> ParseEnvelope(std::string_view name);
const std::vector<std::string>& EnvelopeNames();

struct EnvelopeLine {
  Envelope kind = Envelope::kNone;  // kCri or kDocker when the line was unwrapped, else kNone.
  bool stderr_stream = false;       // The piece came from stderr (pieces join per stream).
  std::string_view text;            // The line inside the envelope (no newline).
  bool partial = false;             // A piece of a line that continues in the next one.
  bool has_time = false;
  WallTime time{};  // The runtime's receive time of the piece.
};

// Unwraps `line` according to `mode`. `scratch` holds the unescaped text of a Docker line
// (`out->text` may point into it, or into `line`). With kNone, or a line not in the envelope,
// out->kind is kNone and out->text is `line`. Lines that are not valid UTF-8 JSON, or over
// `kMaxEnvelopeLine`, pass through unchanged.
void DecodeEnvelope(Envelope mode, std::string_view line, std::string* scratch, EnvelopeLine* out);

// Docker's json-file lines longer than this are not parsed (they pass through as raw text):
// the runtime splits at 16 KiB of payload, so a real line is far shorter; the cap bounds the
// parser's work on hostile input.
inline constexpr size_t kMaxEnvelopeLine = 256 * 1024;

// Parses "2024-02-01T10:11:12.345678901Z" / "...+01:00" (fraction optional, any length up to
// 9 digits). False if it is not such a time.
bool ParseRfc3339Nano(std::string_view text, WallTime* out);

}  // namespace cg
