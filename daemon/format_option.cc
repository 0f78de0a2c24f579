#include "daemon/format_option.h"

#include <string>

namespace cg {

std::optional<LogFormat> ParseLogFormatOption(std::string_view command, std::string_view name,
                                              std::ostream& err) {
  auto format = ParseLogFormat(name);
  if (format && *format != LogFormat::kCustom) return format;
  std::string names;
  for (const auto& n : LogFormatNames()) {
    if (n != LogFormatName(LogFormat::kCustom)) names += (names.empty() ? "" : ", ") + n;
  }
  err << command << ": --log-format \"" << name << "\" is not one of " << names
      << " (custom formats need a config)\n";
  return std::nullopt;
}

}  // namespace cg
