#include "common/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "common/env.hpp"

namespace evp::common {

void setup_logging(std::string_view level) {
  auto lvl = spdlog::level::from_str(std::string(level));
  // from_str maps unknown names to `off`; only accept `off` when asked for.
  if (lvl == spdlog::level::off && level != "off")
    throw ConfigError("LOG_LEVEL", "'" + std::string(level) + "' is not one of trace, debug, info, warn, error, off");
  auto logger = spdlog::stderr_color_mt("evp");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(lvl);
  spdlog::flush_on(spdlog::level::warn);
}

}  // namespace evp::common
