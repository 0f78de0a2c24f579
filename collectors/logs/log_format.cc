#include "collectors/logs/log_format.h"

#include <array>
#include <utility>

namespace cg {
namespace {

// One table per enum: the names are written once, and the enum order is the table order.
constexpr std::array<std::pair<LogFormat, std::string_view>, 7> kFormats = {{
    {LogFormat::kWso2Carbon, "wso2-carbon"},
    {LogFormat::kWso2Console, "wso2-console"},
    {LogFormat::kWso2Errors, "wso2-errors"},
    {LogFormat::kWso2Audit, "wso2-audit"},
    {LogFormat::kTomcatAccess, "tomcat-access"},
    {LogFormat::kPlain, "plain"},
    {LogFormat::kCustom, "custom"},
}};

constexpr std::array<std::pair<StartAt, std::string_view>, 2> kStartAts = {{
    {StartAt::kEnd, "end"},
    {StartAt::kBeginning, "beginning"},
}};

template <typename Enum, size_t N>
std::string_view NameIn(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum e) {
  for (const auto& [value, name] : table) {
    if (value == e) return name;
  }
  return "?";
}

template <typename Enum, size_t N>
std::optional<Enum> ParseIn(const std::array<std::pair<Enum, std::string_view>, N>& table,
                            std::string_view text) {
  for (const auto& [value, name] : table) {
    if (name == text) return value;
  }
  return std::nullopt;
}

template <typename Enum, size_t N>
std::vector<std::string> NamesIn(const std::array<std::pair<Enum, std::string_view>, N>& table) {
  std::vector<std::string> out;
  for (const auto& entry : table) out.emplace_back(entry.second);
  return out;
}

}  // namespace

std::string_view LogFormatName(LogFormat format) { return NameIn(kFormats, format); }
std::optional<LogFormat> ParseLogFormat(std::string_view name) { return ParseIn(kFormats, name); }
const std::vector<std::string>& LogFormatNames() {
  static const std::vector<std::string> names = NamesIn(kFormats);
  return names;
}

std::string_view StartAtName(StartAt start_at) { return NameIn(kStartAts, start_at); }
std::optional<StartAt> ParseStartAt(std::string_view name) { return ParseIn(kStartAts, name); }
const std::vector<std::string>& StartAtNames() {
  static const std::vector<std::string> names = NamesIn(kStartAts);
  return names;
}

}  // namespace cg
