#pragma once
// `--name value` / `--flag` command-line options for evp-cp-sim.
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace evp::sim::cli {

class Args {
 public:
  /// argv after the subcommand. Throws std::invalid_argument on a bare word.
  Args(int argc, char** argv, int first);
  std::string str(const std::string& name, const std::string& fallback) const;
  std::optional<std::string> opt(const std::string& name) const;
  double number(const std::string& name, double fallback) const;
  bool flag(const std::string& name) const;
  /// Names given but never asked for (typos).
  std::vector<std::string> unused() const;

 private:
  std::map<std::string, std::string> values_;
  mutable std::map<std::string, bool> used_;
};

}  // namespace evp::sim::cli
