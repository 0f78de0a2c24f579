#include "daemon/http/history_snapshot.h"

#include <algorithm>

namespace cg {

void HistorySnapshot::Set(std::string series, std::string target, std::vector<SamplePoint> points) {
  series_[Key{std::move(series), std::move(target)}] = std::move(points);
}

const std::vector<SamplePoint>* HistorySnapshot::Find(std::string_view series,
                                                      std::string_view target) const {
  // std::map<Key> has no heterogeneous lookup for an aggregate key; building the key costs two
  // short string copies per request, which is nothing next to the JSON rendering.
  auto it = series_.find(Key{std::string(series), std::string(target)});
  return it == series_.end() ? nullptr : &it->second;
}

std::pair<const SamplePoint*, const SamplePoint*> HistorySnapshot::Since(std::string_view series,
                                                                         std::string_view target,
                                                                         WallTime since) const {
  const std::vector<SamplePoint>* points = Find(series, target);
  if (points == nullptr || points->empty()) return {nullptr, nullptr};
  const SamplePoint* begin = points->data();
  const SamplePoint* end = begin + points->size();
  const SamplePoint* first = std::lower_bound(
      begin, end, since, [](const SamplePoint& p, WallTime t) { return p.at < t; });
  return {first, end};
}

std::vector<HistorySnapshot::Key> HistorySnapshot::Keys() const {
  std::vector<Key> keys;
  keys.reserve(series_.size());
  for (const auto& [key, points] : series_) keys.push_back(key);
  return keys;
}

}  // namespace cg
