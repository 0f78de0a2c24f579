// What `check-config` says about each configured log's layout: the newest file the log's path
// matches is read (its first 64 KiB) and its layout detected (collectors/logs/layout_detect.h),
// so a config that names the wrong layout - the console file configured as wso2-carbon, a
// container log without its envelope - is caught before `run` reads it as one undated record.
// Reads files; no other side effect. Not for the hot path.
#pragma once

#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "daemon/config.h"

namespace cg {

// One line per configured log whose file exists ("logs[0] (carbon) /path: wso2-carbon as
// configured; ..."), for the OK report. A file whose content looks like another layout than
// the configured one, or like none, adds a warning at the log's position.
std::vector<std::string> CheckLogLayouts(const Config& config, Diagnostics* warnings);

}  // namespace cg
