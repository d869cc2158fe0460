#pragma once
// Small OpenSSL helpers the API needs: HMAC-SHA256 for webhooks and HS256, hex,
// constant-time comparison and random identifiers.
#include <string>
#include <string_view>

namespace evp::api {

/// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);
/// Lowercase hex.
std::string to_hex(std::string_view bytes);
/// Compares without an early exit, so timing does not reveal the matching prefix.
bool constant_time_equal(std::string_view a, std::string_view b);
/// Checks a webhook signature given as hex (either case) of HMAC-SHA256(secret, body).
bool verify_webhook_signature(std::string_view secret, std::string_view body, std::string_view signature_hex);
/// `bytes` random bytes from the OpenSSL CSPRNG, hex encoded (2 * bytes characters).
std::string random_hex(std::size_t bytes);

}  // namespace evp::api
