#include "collectors/record.h"

namespace cg {

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kTrace:
      return "TRACE";
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarn:
      return "WARN";
    case Level::kError:
      return "ERROR";
    case Level::kFatal:
      return "FATAL";
    case Level::kUnknown:
      break;
  }
  return "";
}

Level ParseLevel(std::string_view n) {
  if (n == "INFO") return Level::kInfo;
  if (n == "WARN" || n == "WARNING") return Level::kWarn;
  if (n == "ERROR" || n == "SEVERE") return Level::kError;
  if (n == "DEBUG" || n == "FINE") return Level::kDebug;
  if (n == "TRACE" || n == "FINER" || n == "FINEST") return Level::kTrace;
  if (n == "FATAL") return Level::kFatal;
  return Level::kUnknown;
}

}  // namespace cg
