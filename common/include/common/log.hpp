#pragma once
/// Logging set-up shared by the server, the CLI and the simulators.
#include <string_view>

namespace evp::common {

/// Configures the default spdlog logger: level from `level` (trace, debug, info, warn,
/// error, off); throws ConfigError("LOG_LEVEL", …) on an unknown level.
void setup_logging(std::string_view level);

}  // namespace evp::common
