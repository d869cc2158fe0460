#pragma once
/// Configuration from environment variables and an optional env file.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace evp::common {

/// A configuration value is missing or invalid. `what()` names the variable.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string variable, const std::string& message)
      : std::runtime_error(variable + ": " + message), variable_(std::move(variable)) {}
  const std::string& variable() const { return variable_; }

 private:
  std::string variable_;
};

/// Looks variables up in the process environment first, then in an env file
/// (`KEY=value` lines, `#` comments, optional quotes, optional `export `).
class Env {
 public:
  /// Snapshot of the process environment only.
  Env();
  /// Loads `path` as an env file; throws ConfigError naming the file when it cannot be read
  /// or a line is malformed.
  void load_file(const std::string& path);
  /// Sets a value (tests); overrides both sources.
  void set(std::string key, std::string value);

  std::optional<std::string> raw(std::string_view key) const;
  std::string str(std::string_view key, std::string_view fallback) const;
  /// Throws ConfigError when absent or empty.
  std::string required(std::string_view key) const;
  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max) const;
  /// true/false/1/0/yes/no/on/off, case-insensitive.
  bool boolean(std::string_view key, bool fallback) const;
  /// Whole seconds.
  std::chrono::seconds seconds(std::string_view key, std::chrono::seconds fallback, std::chrono::seconds min,
                               std::chrono::seconds max) const;

 private:
  std::map<std::string, std::string, std::less<>> overrides_;
  std::map<std::string, std::string, std::less<>> file_;
};

}  // namespace evp::common
