#pragma once
// Process figures for the benchmark report: resident memory and CPU time from /proc, the
// client's own CPU time from getrusage, and the open-files limit.
#include <optional>

namespace evp::sim::cli {

/// VmRSS of `pid` in KiB (nullopt when the process or /proc is not there).
std::optional<long> rss_kib(int pid);
/// utime + stime of `pid` in seconds.
std::optional<double> cpu_seconds(int pid);
/// utime and stime of `pid` in seconds, apart (user space, kernel).
struct CpuSplit {
  double user = 0, kernel = 0;
};
std::optional<CpuSplit> cpu_split(int pid);
/// This process's user + system CPU seconds.
double own_cpu_seconds();
/// Raises RLIMIT_NOFILE to its hard limit, and past it to `wanted` when allowed (root);
/// returns the soft limit now in force.
long raise_nofile_limit(long wanted = 0);

}  // namespace evp::sim::cli
