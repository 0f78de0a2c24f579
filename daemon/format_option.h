// The `--log-format` option of replay, signatures and baseline learn: one of the built-in
// layouts (a custom layout needs a config's entry_start). Pure; thread-safe.
#pragma once

#include <optional>
#include <ostream>
#include <string_view>

#include "collectors/logs/log_format.h"

namespace cg {

// The layout named `name`, or nullopt after writing "<command>: --log-format "x" is not one of
// ..." to `err`.
std::optional<LogFormat> ParseLogFormatOption(std::string_view command, std::string_view name,
                                              std::ostream& err);

}  // namespace cg
