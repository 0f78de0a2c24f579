#include "daemon/http/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "base/units.h"
#include "daemon/http/html_escape.h"

namespace cg {
namespace {

// The drawing area inside the 360x112 viewBox; labels go left of and under it.
constexpr double kLeft = 46, kRight = 354, kTop = 10, kBottom = 92;
constexpr double kLabelY = 106;

std::string Fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// A round axis top >= v (v > 0): 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten
// (of 1024 for bytes, so that the label reads "3.0 GiB", not "3.7 GiB").
double NiceCeil(double v, bool binary) {
  double scale = 1;
  if (binary) {
    while (v / scale >= 1024) scale *= 1024;
    v /= scale;
  }
  double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0}) {
    if (m * p >= v * (1 - 1e-9)) return m * p * scale;
  }
  return 10 * p * scale;
}

// "-15m", "-7m30s": how long before the right edge.
std::string Before(std::chrono::nanoseconds d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d);
  return "-" + FormatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(s));
}

class Canvas {
 public:
  Canvas(WallTime from, WallTime to, double y_top) : from_(from), y_top_(y_top) {
    span_ = std::max<double>(1.0, static_cast<double>((to - from).count()));
  }
  double X(WallTime t) const {
    return kLeft + (kRight - kLeft) * static_cast<double>((t - from_).count()) / span_;
  }
  double Y(double v) const {
    double f = std::clamp(v / y_top_, 0.0, 1.0);
    return kBottom - (kBottom - kTop) * f;
  }

 private:
  WallTime from_;
  double span_;
  double y_top_;
};

// Appends the polylines for `points` (already inside the axis), breaking at NaN samples.
void AppendLines(const Canvas& c, std::span<const SamplePoint> points, WallTime from, WallTime to,
                 std::string* out) {
  std::vector<const SamplePoint*> keep;  // nullptr = gap.
  if (points.size() <= 2 * kPlotBuckets) {
    for (const auto& p : points) keep.push_back(std::isfinite(p.value) ? &p : nullptr);
  } else {
    // Minimum and maximum of each bucket, in time order; a bucket of gaps only is a gap.
    const double span = std::max<double>(1.0, static_cast<double>((to - from).count()));
    size_t i = 0;
    while (i < points.size()) {
      auto bucket = [&](const SamplePoint& p) {
        double f = static_cast<double>((p.at - from).count()) / span;
        return std::min<size_t>(kPlotBuckets - 1,
                                static_cast<size_t>(std::max(0.0, f) * kPlotBuckets));
      };
      const size_t b = bucket(points[i]);
      const SamplePoint* lo = nullptr;
      const SamplePoint* hi = nullptr;
      for (; i < points.size() && bucket(points[i]) == b; ++i) {
        const SamplePoint& p = points[i];
        if (!std::isfinite(p.value)) continue;
        if (lo == nullptr || p.value < lo->value) lo = &p;
        if (hi == nullptr || p.value > hi->value) hi = &p;
      }
      if (lo == nullptr) {
        keep.push_back(nullptr);
      } else if (lo == hi) {
        keep.push_back(lo);
      } else {
        keep.push_back(lo->at <= hi->at ? lo : hi);
        keep.push_back(lo->at <= hi->at ? hi : lo);
      }
    }
  }
  std::string line;
  size_t n = 0;
  auto flush = [&] {
    if (n == 1) {
      // A lone sample between gaps: a dot, or it would not show at all.
      size_t comma = line.find(',');
      *out += "<circle class=\"dot\" cx=\"" + line.substr(0, comma) + "\" cy=\"" +
              line.substr(comma + 1, line.size() - comma - 2) + "\" r=\"1.5\"/>";
    } else if (n > 1) {
      line.pop_back();
      *out += "<polyline class=\"line\" points=\"" + line + "\"/>";
    }
    line.clear();
    n = 0;
  };
  for (const SamplePoint* p : keep) {
    if (p == nullptr) {
      flush();
      continue;
    }
    line += Fixed(c.X(p->at), 1) + "," + Fixed(c.Y(p->value), 1) + " ";
    ++n;
  }
  flush();
}

}  // namespace

std::string FormatPlotValue(double value, PlotUnit unit) {
  if (!std::isfinite(value)) return "n/a";
  switch (unit) {
    case PlotUnit::kRatio:
    case PlotUnit::kCoreRatio: {
      double pct = value * 100;
      return Fixed(pct, std::fabs(pct) < 10 && pct != 0 ? 1 : 0) + "%";
    }
    case PlotUnit::kBytes: {
      static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
      double v = value;
      size_t u = 0;
      while (std::fabs(v) >= 1024 && u + 1 < std::size(kUnits)) v /= 1024, ++u;
      return Fixed(v, u == 0 ? 0 : 1) + " " + kUnits[u];
    }
    case PlotUnit::kCount:
      if (value == std::floor(value) && std::fabs(value) < 1e15) return Fixed(value, 0);
      return Fixed(value, 1);
  }
  return Fixed(value, 1);
}

std::string RenderSvgPlot(const PlotSpec& spec, std::span<const SamplePoint> all) {
  const WallTime from = spec.from;
  const WallTime to = std::max(spec.to, spec.from + std::chrono::seconds(1));
  auto first = std::lower_bound(all.begin(), all.end(), from,
                                [](const SamplePoint& p, WallTime t) { return p.at < t; });
  auto last = std::upper_bound(first, all.end(), to,
                               [](WallTime t, const SamplePoint& p) { return t < p.at; });
  std::span<const SamplePoint> points(first, last);

  double max = 0;
  bool any = false;
  for (const auto& p : points) {
    if (!std::isfinite(p.value)) continue;
    max = std::max(max, p.value);
    any = true;
  }
  double floor = 0;
  switch (spec.unit) {
    case PlotUnit::kRatio:
    case PlotUnit::kCoreRatio:
      floor = 1.0;
      break;
    case PlotUnit::kBytes:
      floor = 1024 * 1024;
      break;
    case PlotUnit::kCount:
      floor = 10;
      break;
  }
  // Ratios keep a 0..100% axis unless a value goes over (a JVM using two cores).
  const double y_top = max > floor ? NiceCeil(max * 1.05, spec.unit == PlotUnit::kBytes) : floor;
  Canvas c(from, to, y_top);

  std::string out;
  out.reserve(4096);
  out += "<svg class=\"plot\" viewBox=\"0 0 360 112\" role=\"img\" focusable=\"false\"><title>";
  AppendHtmlEscaped(spec.title, &out);
  out += "</title>";
  // Grid: 0, half and top, labelled on the left.
  for (double f : {0.0, 0.5, 1.0}) {
    const std::string y = Fixed(c.Y(f * y_top), 1);
    out += "<line class=\"" + std::string(f == 0 ? "axis" : "grid") + "\" x1=\"" + Fixed(kLeft, 0) +
           "\" x2=\"" + Fixed(kRight, 0) + "\" y1=\"" + y + "\" y2=\"" + y + "\"/>";
    out += "<text class=\"lbl\" x=\"" + Fixed(kLeft - 4, 0) + "\" y=\"" +
           Fixed(c.Y(f * y_top) + 3, 1) + "\" text-anchor=\"end\">" +
           HtmlEscape(FormatPlotValue(f * y_top, spec.unit)) + "</text>";
  }
  // Time labels: the left edge, the middle, "now".
  const auto span = to - from;
  out += "<text class=\"lbl\" x=\"" + Fixed(kLeft, 0) + "\" y=\"" + Fixed(kLabelY, 0) + "\">" +
         Before(span) + "</text>";
  out += "<text class=\"lbl\" x=\"" + Fixed((kLeft + kRight) / 2, 0) + "\" y=\"" +
         Fixed(kLabelY, 0) + "\" text-anchor=\"middle\">" + Before(span / 2) + "</text>";
  out += "<text class=\"lbl\" x=\"" + Fixed(kRight, 0) + "\" y=\"" + Fixed(kLabelY, 0) +
         "\" text-anchor=\"end\">now</text>";

  // Markers: at most 24, alert lines at least 2 units apart (a burst is one line).
  std::vector<double> alert_x;
  size_t drawn = 0;
  for (const auto& m : spec.markers) {
    if (m.at < from || m.at > to || drawn >= 24) continue;
    const double x = c.X(m.at);
    const bool cut = m.kind == PlotMarker::Kind::kCutover;
    if (!cut) {
      bool near = false;
      for (double ax : alert_x) near = near || std::fabs(ax - x) < 2;
      if (near) continue;
      alert_x.push_back(x);
    }
    ++drawn;
    const std::string xs = Fixed(x, 1);
    out += "<line class=\"" + std::string(cut ? "mk-cut" : "mk-alert") + "\" x1=\"" + xs +
           "\" x2=\"" + xs + "\" y1=\"" + Fixed(kTop - 6, 0) + "\" y2=\"" + Fixed(kBottom, 0) +
           "\"><title>";
    AppendHtmlEscaped(m.label, &out);
    out += "</title></line>";
    if (cut) {
      const bool right_half = x > (kLeft + kRight) / 2;
      out += "<text class=\"lbl mk-cut-lbl\" x=\"" + Fixed(right_half ? x - 3 : x + 3, 1) +
             "\" y=\"" + Fixed(kTop + 2, 0) + "\"" + (right_half ? " text-anchor=\"end\"" : "") +
             ">cutover</text>";
    }
  }

  if (any) {
    AppendLines(c, points, from, to, &out);
  } else {
    out += "<text class=\"lbl\" x=\"" + Fixed((kLeft + kRight) / 2, 0) + "\" y=\"" +
           Fixed((kTop + kBottom) / 2, 0) + "\" text-anchor=\"middle\">no samples yet</text>";
  }
  out += "</svg>";
  return out;
}

}  // namespace cg
