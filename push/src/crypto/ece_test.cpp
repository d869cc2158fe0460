#include <doctest/doctest.h>

#include "push/crypto.hpp"

using evp::common::base64_decode_any;
using evp::common::base64url_encode;
using namespace evp::push;

namespace {

Bytes b64(std::string_view s) {
  auto b = base64_decode_any(s);
  REQUIRE(b.has_value());
  return *b;
}

// RFC 8291 Appendix A.
constexpr std::string_view kPlaintext = "When I grow up, I want to be a watermelon";
constexpr std::string_view kAsPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
constexpr std::string_view kUaPublic =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr std::string_view kUaPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
constexpr std::string_view kSalt = "DGv6ra1nlYgDCS1FRnbzlw";
constexpr std::string_view kAuth = "BTBZMqHH6r4Tts7J_aSIgg";
constexpr std::string_view kBody =
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_"
    "c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_"
    "yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

struct Receiver {
  KeyPair key = KeyPair::generate();
  Bytes auth = Bytes(16, 0x5a);
  ReceiverKeys keys() const { return {key.public_raw(), auth}; }
};

}  // namespace

TEST_CASE("RFC 8291 Appendix A: encrypt_with produces the exact 144-byte body") {
  ReceiverKeys to = ReceiverKeys::from_base64url(kUaPublic, kAuth);
  Bytes body = encrypt_with(to, kPlaintext, b64(kAsPrivate), b64(kSalt));
  CHECK(body.size() == 144);
  CHECK(base64url_encode(body) == kBody);
}

TEST_CASE("RFC 8291 Appendix A: decrypting the body gives the plaintext") {
  CHECK(decrypt(b64(kBody), b64(kUaPrivate), b64(kUaPublic), b64(kAuth)) == kPlaintext);
  KeyPair ua = KeyPair::from_strings(kUaPrivate, kUaPublic);
  CHECK(decrypt(b64(kBody), ua, b64(kAuth)) == kPlaintext);
}

TEST_CASE("random encrypt then decrypt round trip, fresh salt and key each time") {
  Receiver r;
  Bytes a = encrypt(r.keys(), "hello");
  Bytes b = encrypt(r.keys(), "hello");
  CHECK(a != b);
  CHECK(std::equal(a.begin() + 16, a.begin() + 21, Bytes{0, 0, 0x10, 0, 65}.begin()));
  CHECK(decrypt(a, r.key.private_raw(), r.key.public_raw(), r.auth) == "hello");
  CHECK(decrypt(b, r.key, r.auth) == "hello");
  CHECK(decrypt(encrypt(r.keys(), ""), r.key, r.auth).empty());
}

TEST_CASE("payload size limit: kMaxPlaintext fits in 4096 bytes, one more is refused") {
  Receiver r;
  std::string max(kMaxPlaintext, 'x');
  Bytes body = encrypt(r.keys(), max);
  CHECK(body.size() == 4096);
  CHECK(decrypt(body, r.key, r.auth) == max);
  CHECK_THROWS_AS(encrypt(r.keys(), max + "x"), CryptoError);
}

TEST_CASE("tampered ciphertext, tag or header is refused") {
  Receiver r;
  Bytes body = encrypt(r.keys(), "secret message");
  for (std::size_t pos : {std::size_t{3}, std::size_t{90}, body.size() - 1}) {
    Bytes bad = body;
    bad[pos] ^= 0x01;
    CHECK_THROWS_AS(decrypt(bad, r.key, r.auth), CryptoError);
  }
  Bytes truncated(body.begin(), body.end() - 1);
  CHECK_THROWS_AS(decrypt(truncated, r.key, r.auth), CryptoError);
  CHECK_THROWS_AS(decrypt(Bytes(body.begin(), body.begin() + 50), r.key, r.auth), CryptoError);
  Bytes other_auth(16, 0x01);
  CHECK_THROWS_AS(decrypt(body, r.key, other_auth), CryptoError);
}

TEST_CASE("bad p256dh keys are refused") {
  Bytes auth(16, 1);
  CHECK_THROWS_AS(ReceiverKeys::from_base64url("not base64!", base64url_encode(auth)), CryptoError);
  CHECK_THROWS_AS(ReceiverKeys::from_base64url(base64url_encode(Bytes(64, 4)), base64url_encode(auth)), CryptoError);
  CHECK_THROWS_AS(ReceiverKeys::from_base64url(kUaPublic, base64url_encode(Bytes(15, 1))), CryptoError);
  Bytes off_curve = b64(kUaPublic);
  off_curve[40] ^= 0x01;  // Y no longer matches X
  CHECK_THROWS_AS(encrypt(ReceiverKeys{off_curve, auth}, "x"), CryptoError);
  // from_base64url is what POST /notifications/subscribe checks keys with: an off-curve point
  // must be refused there, not stored and then fail every push (found by subscription_fuzz).
  CHECK_THROWS_AS(ReceiverKeys::from_base64url(base64url_encode(off_curve), base64url_encode(auth)), CryptoError);
  Bytes not_a_point(65, 0x01);
  not_a_point[0] = 0x04;
  CHECK_THROWS_AS(ReceiverKeys::from_base64url(base64url_encode(not_a_point), base64url_encode(auth)), CryptoError);
  CHECK_NOTHROW(ReceiverKeys::from_base64url(kUaPublic, base64url_encode(auth)));
  Bytes compressed = b64(kUaPublic);
  compressed[0] = 0x02;
  CHECK_THROWS_AS(encrypt(ReceiverKeys{compressed, auth}, "x"), CryptoError);
}
