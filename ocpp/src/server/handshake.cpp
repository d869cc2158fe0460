#include "server/handshake.hpp"

#include <cctype>

#include "common/base64.hpp"
#include "common/utf8.hpp"

namespace evp::ocpp::detail {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}
}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

TargetCheck check_target(std::string_view target) {
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (!target.starts_with(kPathPrefix)) return {{}, 404, "path is not /ocpp/{chargePointId}"};
  auto raw = target.substr(kPathPrefix.size());
  if (raw.empty() || raw.find('/') != std::string_view::npos) return {{}, 404, "path is not /ocpp/{chargePointId}"};
  auto id = percent_decode(raw);
  if (!id || id->empty()) return {{}, 400, "malformed percent-encoding in chargePointId"};
  // Checked here, not left to PostgreSQL (which would refuse the lookup with an error).
  if (!common::valid_utf8(*id)) return {{}, 400, "chargePointId is not valid UTF-8"};
  if (id->size() > kMaxStationIdLength) return {{}, 400, "chargePointId longer than 48 characters"};
  for (unsigned char c : *id)
    if (c < 0x20 || c == 0x7f) return {{}, 400, "control character in chargePointId"};
  return {std::move(*id), 0, {}};
}

bool offers_subprotocol(std::string_view header, std::string_view protocol) {
  while (!header.empty()) {
    auto comma = header.find(',');
    auto token = trim(header.substr(0, comma));
    if (iequals(token, protocol)) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<BasicCredentials> parse_basic_auth(std::string_view header) {
  header = trim(header);
  if (header.size() < 6 || !iequals(header.substr(0, 6), "basic ")) return std::nullopt;
  auto decoded = common::base64_decode_any(trim(header.substr(6)));
  if (!decoded) return std::nullopt;
  auto text = common::as_chars(*decoded);
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return BasicCredentials{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

}  // namespace evp::ocpp::detail
