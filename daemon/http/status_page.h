// The status page at GET /: one HTML screen for the person watching the cutover, readable in
// five seconds. A pure rendering of an ApiSnapshot (the same one the JSON endpoints read).
//
// What it shows, top to bottom (inside <main>):
//   - the verdict as a banner: the recommendation written out ("rollback"; colour is never the
//     only signal), its summary, since when, the time since the cutover mark, and its reasons;
//   - firing and pending alerts: rule, severity, state, since, count, runbook, acknowledgement,
//     and up to kMaxEvidence evidence records each (stack traces folded in <details>);
//   - "New since the cutover": new and regressed message signatures (only when the snapshot has
//     a signatures document, i.e. a change detector is loaded);
//   - plots over the history ring: host CPU busy and memory used, and per target (the JVM) CPU,
//     RSS, threads and open descriptors, with the cutover mark and alert firing times drawn as
//     vertical lines (daemon/http/svg_plot.h);
//   - coverage: every log (lag, records/min since start, rotations, gaps, last record,
//     problem), every target (up, pid, uptime, restarts), blind spots, rules loaded, reloads.
//
// Self-contained: CSS and the script are inline, nothing is fetched from elsewhere. Every string
// from logs, rules or config is escaped (html_escape.h). Output is bounded: at most kMaxAlerts
// alerts, kMaxEvidence records per alert, kMaxEvidenceBytes per record and kEvidenceBudget in
// all, kMaxSignatures signatures, kMaxReasons reasons, kMaxLogs logs and targets; what is left
// out is counted ("3 more ...") with the JSON endpoint that has it all.
//
// Refresh: a tiny inline script fetches "?fragment=1" (RenderStatusMain: the <main> content
// only) every 5 s and swaps it in, keeping expanded <details> open; when a refresh fails a
// "not updating" notice shows. Without JavaScript the page works as is and reloads itself every
// 10 s (<noscript><meta http-equiv="refresh">). No forms, no buttons: read-only.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "daemon/http/api_backend.h"
#include "daemon/http/reply.h"

namespace cg {

inline constexpr std::string_view kHtmlContentType = "text/html; charset=utf-8";

inline constexpr size_t kMaxAlerts = 50;
inline constexpr size_t kMaxEvidence = 5;
inline constexpr size_t kMaxEvidenceBytes = 8 * 1024;
inline constexpr size_t kEvidenceBudget = 128 * 1024;  // Evidence text over all alerts.
inline constexpr size_t kMaxSignatures = 20;
inline constexpr size_t kMaxReasons = 10;
inline constexpr size_t kMaxLogs = 50;  // Rows of the logs table, and of the targets table.

// The whole document. `now` is the right edge of the plots and the reference for "ago".
std::string RenderStatusPage(const ApiSnapshot& snapshot, WallTime now);

// The content of the page's <main> element alone (what GET /?fragment=1 answers).
std::string RenderStatusMain(const ApiSnapshot& snapshot, WallTime now);

// The inline refresh script, exactly as it appears between <script> and </script> (its
// SHA-256 is in kStatusPageCsp; tests/http/status_page_test.cc checks that the two agree).
std::string_view StatusPageScript();

// Content-Security-Policy of the page: nothing from elsewhere, inline styles, the one script
// (by hash), fetches to this origin only, no frames, no forms.
inline constexpr std::string_view kStatusPageCsp =
    "default-src 'none'; style-src 'unsafe-inline'; "
    "script-src 'sha256-+lTHX/mdA2ksyI5DJCOWrTRaUVtU4sV/z6Z+D1y01FE='; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// The reply for GET / (or GET /?fragment=1 when `fragment`): 200 with the page, or 503 with a
// "starting" page when `snapshot` is null. HTML content type, no-store, the CSP above,
// nosniff, and Vary: Accept (the same URL answers JSON to Accept: application/json).
Reply StatusPageReply(const ApiSnapshot* snapshot, WallTime now, bool fragment);

}  // namespace cg
