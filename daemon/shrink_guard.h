// The commands that read whole files (replay, signatures, baseline learn) map plain inputs
// (collectors/logs/read_records.cc). If one shrinks while it is being read (copytruncate, an
// editor), the kernel answers the lost pages with SIGBUS: the command must then end as an error
// that says why, not with a core dump, and not with a verdict built on half a file.
// Process-wide (it installs a SIGBUS handler); call once, from the command's thread.
#pragma once

namespace cg {

// On SIGBUS: writes "<command>: an input file shrank while it was being read (truncated or
// rewritten); <advice>\n" to stderr and _exit(exit_code). Both strings are copied (at most
// 200 bytes each); the handler makes only async-signal-safe calls.
void InstallShrinkGuard(const char* command, const char* advice, int exit_code);

}  // namespace cg
