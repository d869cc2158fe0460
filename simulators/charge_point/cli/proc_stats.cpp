#include "proc_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace evp::sim::cli {

std::optional<long> rss_kib(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return std::nullopt;
}

std::optional<double> cpu_seconds(int pid) {
  auto split = cpu_split(pid);
  if (!split) return std::nullopt;
  return split->user + split->kernel;
}

std::optional<CpuSplit> cpu_split(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string all;
  if (!std::getline(f, all)) return std::nullopt;
  // The command name may contain spaces: fields are counted after its closing parenthesis.
  const auto close = all.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(all.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  return CpuSplit{utime / tick, stime / tick};
}

double own_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

long raise_nofile_limit(long wanted) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
  if (wanted > 0 && static_cast<rlim_t>(wanted) > rl.rlim_max) {
    rlimit more{static_cast<rlim_t>(wanted), static_cast<rlim_t>(wanted)};
    if (setrlimit(RLIMIT_NOFILE, &more) == 0) rl = more;  // needs CAP_SYS_RESOURCE
  }
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  getrlimit(RLIMIT_NOFILE, &rl);
  return static_cast<long>(rl.rlim_cur);
}

}  // namespace evp::sim::cli
