// Server-rendered line charts for the status page (GET /): one sampled series as an inline
// <svg> with a time axis, polylines (a NaN sample breaks the line), and vertical marker lines
// (the cutover mark, alert firing times). No script, no external resource: the page styles it
// through the classes below. Pure functions; thread-safe.
//
// Classes used (styled by the page's CSS): plot, grid, axis, line, mk-cut, mk-alert, lbl.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "daemon/http/history_snapshot.h"

namespace cg {

enum class PlotUnit {
  kRatio,      // 0..1 shown as percent ("43%"); the axis reaches at least 100%.
  kCoreRatio,  // CPU time per second, 1.0 = one core ("150%"); the axis reaches at least 100%.
  kBytes,      // "1.2 GiB".
  kCount,      // "153".
};

struct PlotMarker {
  enum class Kind { kCutover, kAlert };
  WallTime at{};
  Kind kind = Kind::kAlert;
  std::string label;  // Plain text (escaped here), shown as the line's tooltip.
};

struct PlotSpec {
  std::string title;  // Plain text, for the <svg>'s <title> (screen readers, tooltips).
  PlotUnit unit = PlotUnit::kCount;
  WallTime from{};  // The time axis; points outside it are not drawn.
  WallTime to{};
  std::vector<PlotMarker> markers;  // Outside [from, to]: not drawn.
};

// Most points a polyline gets: a longer ring is reduced to the minimum and maximum of each of
// kPlotBuckets time buckets, so spikes survive and the page stays small.
inline constexpr size_t kPlotBuckets = 120;

// The chart as an <svg> element (viewBox 360x112, scales to its container's width).
std::string RenderSvgPlot(const PlotSpec& spec, std::span<const SamplePoint> points);

// A value in the plot's unit for text: "43%", "1.2 GiB", "153", "n/a" for NaN.
std::string FormatPlotValue(double value, PlotUnit unit);

}  // namespace cg
