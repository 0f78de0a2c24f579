// ParseCarbonHeader: the wso2-carbon entry-start line, read by hand.
//
// The layout of every 3.x/4.x carbon line (and of the JUL shutdown lines with an unpadded hour):
//   TID: [-1234] [] [2024-11-16 02:14:07,512]  INFO {org.wso2...Logger} - message
// An entry line is the first line of each record, so this runs on every line of the busiest
// log; the equivalent RE2 with four captures took three quarters of record assembly. This
// parser accepts exactly the lines of that layout and fills the same fields the regex would;
// anything else (the 2.6 %P tenant prefix, an unknown level, a damaged line) returns false and
// RecordFormat falls back to the regex, so it only has to be right, not complete.
// Pure function of its input; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "collectors/logs/record_format.h"

namespace cg {

// The entry-start regex of the layouts (3.x/4.x, JUL, 2.6 with %P): four groups (time, level,
// logger after group 0); RecordFormat runs it when ParseCarbonHeader declines a line.
std::string CarbonEntryPattern();

// True if `line` is a carbon entry line of the common layout; fills `*h` (has_time is false
// when the timestamp has the right shape but an impossible value, as with the regex).
bool ParseCarbonHeader(std::string_view line, EntryHeader* h);

}  // namespace cg
