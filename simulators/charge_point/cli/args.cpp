#include "args.hpp"

#include <cstdlib>

namespace evp::sim::cli {

Args::Args(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (!a.starts_with("--") || a.size() < 3) throw std::invalid_argument("unexpected argument: " + a);
    a = a.substr(2);
    if (auto eq = a.find('='); eq != std::string::npos) {
      values_[a.substr(0, eq)] = a.substr(eq + 1);
    } else if (i + 1 < argc && !std::string(argv[i + 1]).starts_with("--")) {
      values_[a] = argv[++i];
    } else {
      values_[a] = "";
    }
  }
}

std::optional<std::string> Args::opt(const std::string& name) const {
  used_[name] = true;
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::str(const std::string& name, const std::string& fallback) const {
  return opt(name).value_or(fallback);
}

double Args::number(const std::string& name, double fallback) const {
  auto v = opt(name);
  if (!v) return fallback;
  char* end = nullptr;
  const double d = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0') throw std::invalid_argument("--" + name + " needs a number, got '" + *v + "'");
  return d;
}

bool Args::flag(const std::string& name) const { return opt(name).has_value(); }

std::vector<std::string> Args::unused() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : values_)
    if (!used_.contains(k)) out.push_back(k);
  return out;
}

}  // namespace evp::sim::cli
