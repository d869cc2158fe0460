// What a user's PushSubscription goes through before it is stored and used: the body of
// POST /notifications/subscribe (JsonFields, base64url keys, the P-256 point check), the push
// endpoint URL parser and policy, the VAPID audience (origin_of) and the address policy for
// literal addresses. Input: byte 0 (modulo 2) chooses the mode, the rest is its input:
//   0  the subscribe request body;   1  an endpoint URL.
// Invariants: a bad body fails only with ApiError (4xx); a URL the sender accepts has a host,
// a port and a target starting with '/', gives the same fields when written back out and
// parsed again, and has an origin_of (the VAPID `aud`) that names the same scheme, host and
// port (else the push service refuses every message to it).
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api_context.hpp"
#include "common/base64.hpp"
#include "delivery/address_policy.hpp"
#include "delivery/url.hpp"
#include "fuzz_check.hpp"
#include "push/crypto.hpp"

using namespace evp::api;
using evp::fuzz::check;
namespace delivery = evp::push::delivery;

namespace {

std::string expected_origin(const delivery::Url& url) {
  bool v6 = url.host.find(':') != std::string::npos;
  std::string origin = url.scheme + "://" + (v6 ? "[" + url.host + "]" : url.host);
  bool default_port = (url.tls() && url.port == 443) || (!url.tls() && url.port == 80);
  if (!default_port) origin += ":" + std::to_string(url.port);
  return origin;
}

void endpoint(std::string_view text) {
  auto url = delivery::parse_url(text);
  (void)delivery::check_url_syntax(url, false);
  (void)delivery::check_url_syntax(url, true);
  if (!url) return;
  check(!url->host.empty() && url->port != 0 && !url->target.empty() && url->target.front() == '/',
        "parse_url accepted a URL without host, port or target");
  std::string written = url->scheme + "://" + (url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host) +
                        ":" + std::to_string(url->port) + url->target;
  auto again = delivery::parse_url(written);
  check(again && again->scheme == url->scheme && again->host == url->host && again->port == url->port &&
            again->target == url->target,
        "a parsed URL written back out parses differently");
  std::string origin;
  try {
    origin = evp::push::origin_of(text);
  } catch (const evp::push::CryptoError& e) {
    evp::fuzz::fail(std::string("origin_of refuses a URL the sender accepts: ") + e.what());
  }
  check(origin == expected_origin(*url), "VAPID audience differs from the origin the sender connects to");
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(url->host, ec);
  if (!ec) (void)delivery::non_public_reason(address);
}

void subscribe_body(std::string_view body_text) {
  evp::fuzz::FuzzRequest request(body_text);
  Context ctx = request.context();
  try {
    auto body = ctx.body();
    auto sub = body.has("subscription") ? body.object("subscription") : body;
    std::string url = sub.str("endpoint", 2048);
    auto keys = sub.object("keys");
    std::string p256dh = keys.str("p256dh", 256), auth = keys.str("auth", 64);
    auto p256dh_raw = evp::common::base64_decode_any(p256dh);
    if (!p256dh_raw || p256dh_raw->size() != 65 || (*p256dh_raw)[0] != 0x04)
      bad_field(keys.path("p256dh"), "must be base64url of a 65-byte uncompressed P-256 point");
    auto auth_raw = evp::common::base64_decode_any(auth);
    if (!auth_raw || auth_raw->size() != 16) bad_field(keys.path("auth"), "must be base64url of 16 bytes");
    evp::push::ReceiverKeys receiver;
    try {
      receiver = evp::push::ReceiverKeys::from_base64url(p256dh, auth);
    } catch (const evp::push::CryptoError& e) {
      bad_field(keys.path("p256dh"), std::string("is not a valid P-256 public key: ") + e.what());
    }
    // A key accepted here is used for every later message: encrypting to it must work.
    try {
      (void)evp::push::encrypt(receiver, "{}");
    } catch (const evp::push::CryptoError& e) {
      evp::fuzz::fail(std::string("a stored subscription key cannot be encrypted to: ") + e.what());
    }
    (void)body.opt_str("user_type", 10);
    endpoint(url);
  } catch (const ApiError& e) {
    check(static_cast<unsigned>(e.status()) / 100 == 4, "a body refused with a status other than 4xx");
    (void)nlohmann::json({{"message", e.what()}}).dump();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0)
    subscribe_body(input);
  else
    endpoint(input);
  return 0;
}
