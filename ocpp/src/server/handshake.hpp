#pragma once
// Pure parts of the OCPP-J WebSocket handshake (no I/O, unit tested): the request path,
// the subprotocol offer and HTTP Basic credentials.
#include <optional>
#include <string>
#include <string_view>

namespace evp::ocpp::detail {

inline constexpr std::string_view kPathPrefix = "/ocpp/";
inline constexpr std::string_view kSubprotocol = "ocpp1.6";
inline constexpr std::size_t kMaxStationIdLength = 48;  // stations.id VARCHAR(48)

/// The chargePointId of a request target `/ocpp/{id}[?query]`, percent-decoded; or the
/// HTTP status to refuse with (404 for another path, 400 for an unusable id) and why.
struct TargetCheck {
  std::string station_id;
  int status = 0;  // 0 = fine
  std::string reason;
};
TargetCheck check_target(std::string_view target);

/// Percent-decodes `text`; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

/// True when the comma-separated Sec-WebSocket-Protocol offer contains `protocol`.
bool offers_subprotocol(std::string_view header, std::string_view protocol = kSubprotocol);

struct BasicCredentials {
  std::string user, password;
};
/// Parses `Basic <base64(user:password)>`; nullopt when absent or malformed.
std::optional<BasicCredentials> parse_basic_auth(std::string_view header);

}  // namespace evp::ocpp::detail
