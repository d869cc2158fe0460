#pragma once
/// UTC time points and OCPP/RFC 3339 date-time text.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace evp::common {

using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::time_point<Clock, std::chrono::milliseconds>;

/// Current wall-clock time, millisecond precision.
TimePoint now();

/// Parses an RFC 3339 date-time as OCPP uses it: `YYYY-MM-DDThh:mm:ss[.fff…](Z|±hh:mm)`.
/// A missing offset is taken as UTC (many stations omit it). Returns nullopt on anything else.
std::optional<TimePoint> parse_datetime(std::string_view text);

/// Formats as `YYYY-MM-DDThh:mm:ss.mmmZ`.
std::string format_datetime(TimePoint t);

/// Seconds since the Unix epoch.
std::int64_t unix_seconds(TimePoint t);

}  // namespace evp::common
