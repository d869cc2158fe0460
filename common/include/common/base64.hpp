#pragma once
/// Base64 and base64url (RFC 4648) encoding.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace evp::common {

using Bytes = std::vector<std::uint8_t>;

/// base64url without padding (the form Web Push, VAPID and JWT use).
std::string base64url_encode(std::span<const std::uint8_t> data);
std::string base64url_encode(std::string_view data);
/// Standard alphabet with padding (HTTP Basic auth).
std::string base64_encode(std::span<const std::uint8_t> data);

/// Decodes base64url or standard base64, padded or not; nullopt on any invalid character
/// or impossible length. Whitespace is not accepted.
std::optional<Bytes> base64_decode_any(std::string_view text);

inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace evp::common
