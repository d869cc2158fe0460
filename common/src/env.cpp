#include "common/env.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>

namespace evp::common {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

Env::Env() = default;

void Env::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("EVP_ENV_FILE", "cannot read env file '" + path + "'");
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (t.rfind("export ", 0) == 0) t = trim(std::string_view(t).substr(7));
    auto eq = t.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError("EVP_ENV_FILE", path + ":" + std::to_string(lineno) + ": expected KEY=value");
    std::string key = trim(std::string_view(t).substr(0, eq));
    std::string value = trim(std::string_view(t).substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    file_[key] = value;
  }
}

void Env::set(std::string key, std::string value) { overrides_[std::move(key)] = std::move(value); }

std::optional<std::string> Env::raw(std::string_view key) const {
  if (auto it = overrides_.find(key); it != overrides_.end()) return it->second;
  if (const char* v = std::getenv(std::string(key).c_str())) return std::string(v);
  if (auto it = file_.find(key); it != file_.end()) return it->second;
  return std::nullopt;
}

std::string Env::str(std::string_view key, std::string_view fallback) const {
  auto v = raw(key);
  return v && !v->empty() ? *v : std::string(fallback);
}

std::string Env::required(std::string_view key) const {
  auto v = raw(key);
  if (!v || v->empty()) throw ConfigError(std::string(key), "is required but not set");
  return *v;
}

std::int64_t Env::integer(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max) const {
  auto v = raw(key);
  if (!v || v->empty()) return fallback;
  std::int64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size())
    throw ConfigError(std::string(key), "'" + *v + "' is not a whole number");
  if (out < min || out > max)
    throw ConfigError(std::string(key),
                      "'" + *v + "' is outside " + std::to_string(min) + ".." + std::to_string(max));
  return out;
}

bool Env::boolean(std::string_view key, bool fallback) const {
  auto v = raw(key);
  if (!v || v->empty()) return fallback;
  std::string l = *v;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  if (l == "true" || l == "1" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "0" || l == "no" || l == "off") return false;
  throw ConfigError(std::string(key), "'" + *v + "' is not a boolean (true/false)");
}

std::chrono::seconds Env::seconds(std::string_view key, std::chrono::seconds fallback, std::chrono::seconds min,
                                  std::chrono::seconds max) const {
  return std::chrono::seconds(integer(key, fallback.count(), min.count(), max.count()));
}

}  // namespace evp::common
