// The access-token verifier (api/src/auth/jwt.cpp) and the base64 decoder under it.
// Input: byte 0 (modulo 4) chooses a mode, the rest is its input:
//   0  a token as sent in `Authorization: Bearer` (random bytes rarely carry a valid
//      signature, so this reaches the splitting, decoding and signature checks);
//   1  "<header JSON>\n<claims JSON>", signed HS256 with the verifier's secret, so the claim
//      checks (exp, nbf, aud, sub) behind the signature are reached too;
//   2  a JWKS document for load_jwks;
//   3  text for base64_decode_any; what it decodes must encode and decode back unchanged.
// Invariants: verify() never throws and accepts only tokens with a UUID subject; load_jwks
// fails only with std::runtime_error.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "auth/jwt.hpp"
#include "common/base64.hpp"
#include "fuzz_check.hpp"
#include "http/context.hpp"
#include "util/crypto.hpp"

using evp::fuzz::check;
namespace common = evp::common;

namespace {

constexpr std::string_view kSecret = "fuzz-hs256-secret";
constexpr std::int64_t kNow = 1'700'000'000;  // fixed, so a saved input replays the same way

const evp::api::JwtVerifier& verifier() {
  static const evp::api::JwtVerifier v(std::string(kSecret), "authenticated");
  return v;
}

void verify(std::string_view token) {
  evp::api::JwtResult r;
  try {
    r = verifier().verify(token, kNow);
  } catch (const std::exception& e) {
    evp::fuzz::fail(std::string("verify() threw (the API answers 500): ") + e.what());
  }
  if (r.ok) {
    check(evp::api::is_uuid(r.subject), "accepted token without a UUID subject");
    check(r.claims.is_object(), "accepted token without claims");
  } else {
    check(!r.error.empty(), "refused token without a reason");
  }
}

void signed_hs256(std::string_view input) {
  auto nl = input.find('\n');
  std::string_view header = input.substr(0, nl);
  std::string_view claims = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
  std::string signing_input = common::base64url_encode(header) + "." + common::base64url_encode(claims);
  verify(signing_input + "." + common::base64url_encode(evp::api::hmac_sha256(kSecret, signing_input)));
}

void jwks(std::string_view document) {
  evp::api::JwtVerifier v("", "");
  try {
    v.load_jwks(document);
  } catch (const std::runtime_error&) {
    // A refused JWKS file stops the server at start with this message.
  }
}

void base64(std::string_view text) {
  auto decoded = common::base64_decode_any(text);
  if (!decoded) return;
  auto again = common::base64_decode_any(common::base64url_encode(*decoded));
  check(again && *again == *decoded, "base64url encode/decode round trip changed the bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: verify(input); break;
    case 1: signed_hs256(input); break;
    case 2: jwks(input); break;
    default: base64(input); break;
  }
  return 0;
}
