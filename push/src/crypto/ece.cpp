// RFC 8291 message encryption with the aes128gcm content coding of RFC 8188.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <span>

#include "crypto/ossl.hpp"
#include "push/crypto.hpp"

namespace evp::push {
namespace {

constexpr std::size_t kSaltLen = 16;
constexpr std::uint32_t kRecordSize = 4096;
constexpr std::size_t kKeyLen = 65;
constexpr std::size_t kHeaderLen = kSaltLen + 4 + 1 + kKeyLen;  // 86
constexpr std::size_t kTagLen = 16;

using ossl::p256::kPointLen;
using ossl::p256::kScalarLen;
using Span = std::span<const std::uint8_t>;

struct Keys {
  std::uint8_t cek[16];
  std::uint8_t nonce[12];
  ~Keys() { OPENSSL_cleanse(this, sizeof *this); }
};

// The key schedule of RFC 8291 section 3.4 followed by RFC 8188 section 2.2/2.3, written
// as the HMACs it consists of: every HKDF here produces at most one 32-byte block
// (T(1) = HMAC(PRK, info || 0x01)), and the CEK and the nonce share one extract.
void derive(const std::uint8_t ecdh_secret[kScalarLen], const Bytes& auth, const std::uint8_t ua_public[kPointLen],
            const std::uint8_t as_public[kPointLen], const std::uint8_t salt[kSaltLen], Keys& out) {
  static constexpr std::uint8_t kKeyInfo[] = "WebPush: info";  // the array's NUL is the info's 0x00
  static constexpr std::uint8_t kCekInfo[] = "Content-Encoding: aes128gcm";
  static constexpr std::uint8_t kNonceInfo[] = "Content-Encoding: nonce";
  static constexpr std::uint8_t kOne[] = {0x01};
  std::uint8_t prk[32], ikm[32], t[32];
  ossl::hmac_sha256(auth, {Span(ecdh_secret, kScalarLen)}, prk);  // PRK_key = HKDF-Extract(auth, ecdh_secret)
  ossl::hmac_sha256(prk, {Span(kKeyInfo), Span(ua_public, kPointLen), Span(as_public, kPointLen), Span(kOne)}, ikm);
  ossl::hmac_sha256(Span(salt, kSaltLen), {Span(ikm)}, prk);  // PRK = HKDF-Extract(salt, IKM)
  ossl::hmac_sha256(prk, {Span(kCekInfo), Span(kOne)}, t);
  std::memcpy(out.cek, t, sizeof out.cek);
  ossl::hmac_sha256(prk, {Span(kNonceInfo), Span(kOne)}, t);
  std::memcpy(out.nonce, t, sizeof out.nonce);
  OPENSSL_cleanse(prk, sizeof prk);
  OPENSSL_cleanse(ikm, sizeof ikm);
  OPENSSL_cleanse(t, sizeof t);
}

void check_size(std::string_view plaintext) {
  if (plaintext.size() > kMaxPlaintext)
    throw CryptoError("payload of " + std::to_string(plaintext.size()) + " bytes exceeds the limit of " +
                      std::to_string(kMaxPlaintext));
}

// `sender_private`/`sender_public`: the (ephemeral) key; `salt`: 16 bytes.
Bytes encrypt_impl(const ReceiverKeys& to, std::string_view plaintext, const std::uint8_t* sender_private,
                   const std::uint8_t* sender_public, const std::uint8_t* salt) {
  check_size(plaintext);
  if (to.auth.size() != 16) throw CryptoError("auth secret must be 16 bytes");
  if (to.p256dh.size() != kPointLen || to.p256dh[0] != 0x04)
    throw CryptoError("P-256 public key must be a 65-byte uncompressed point");
  Keys keys;
  {
    std::uint8_t secret[kScalarLen];
    ossl::p256::ecdh(sender_private, to.p256dh.data(), secret);
    derive(secret, to.auth, to.p256dh.data(), sender_public, salt, keys);
    OPENSSL_cleanse(secret, sizeof secret);
  }

  // header (salt || rs || idlen || keyid) || ciphertext || tag, in one allocation.
  Bytes body(kHeaderLen + plaintext.size() + 1 + kTagLen);
  std::uint8_t* h = body.data();
  std::memcpy(h, salt, kSaltLen);
  h[16] = static_cast<std::uint8_t>(kRecordSize >> 24);
  h[17] = static_cast<std::uint8_t>(kRecordSize >> 16);
  h[18] = static_cast<std::uint8_t>(kRecordSize >> 8);
  h[19] = static_cast<std::uint8_t>(kRecordSize);
  h[20] = static_cast<std::uint8_t>(kKeyLen);
  std::memcpy(h + 21, sender_public, kKeyLen);

  EVP_CIPHER_CTX* ctx = ossl::thread_cipher_ctx();
  int len = 0;
  static const std::uint8_t kDelimiter = 0x02;  // last (and only) record, no padding
  std::uint8_t* p = body.data() + kHeaderLen;
  if (!EVP_EncryptInit_ex2(ctx, ossl::aes128gcm(), keys.cek, keys.nonce, nullptr) ||
      !EVP_EncryptUpdate(ctx, p, &len, reinterpret_cast<const std::uint8_t*>(plaintext.data()),
                         static_cast<int>(plaintext.size())))
    ossl::fail("AES-GCM encryption failed");
  int total = len;
  if (!EVP_EncryptUpdate(ctx, p + total, &len, &kDelimiter, 1)) ossl::fail("AES-GCM encryption failed");
  total += len;
  if (!EVP_EncryptFinal_ex(ctx, p + total, &len)) ossl::fail("AES-GCM encryption failed");
  total += len;
  if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagLen, p + total)) ossl::fail("AES-GCM tag failed");
  return body;
}

std::string decrypt_impl(const Bytes& body, const std::uint8_t* receiver_private, const Bytes& receiver_public,
                         const Bytes& auth) {
  if (auth.size() != 16) throw CryptoError("auth secret must be 16 bytes");
  if (receiver_public.size() != kPointLen) throw CryptoError("receiver public key must be 65 bytes");
  if (body.size() < kSaltLen + 5) throw CryptoError("body shorter than the aes128gcm header");
  std::uint32_t rs = (std::uint32_t(body[16]) << 24) | (std::uint32_t(body[17]) << 16) |
                     (std::uint32_t(body[18]) << 8) | std::uint32_t(body[19]);
  std::size_t idlen = body[20];
  if (rs < 18) throw CryptoError("record size below 18");
  if (idlen != kKeyLen) throw CryptoError("key id must be the 65-byte sender public key");
  if (body.size() < kHeaderLen + kTagLen + 1) throw CryptoError("body shorter than one record");
  const std::uint8_t* salt = body.data();
  const std::uint8_t* as_public = body.data() + 21;
  std::size_t record_len = body.size() - kHeaderLen;
  // RFC 8291 section 4: a push message is a single record.
  if (record_len > rs) throw CryptoError("more than one record");

  Keys keys;
  {
    std::uint8_t secret[kScalarLen];
    ossl::p256::ecdh(receiver_private, as_public, secret);
    derive(secret, auth, receiver_public.data(), as_public, salt, keys);
    OPENSSL_cleanse(secret, sizeof secret);
  }

  std::size_t ct_len = record_len - kTagLen;
  std::string plain(ct_len, '\0');
  EVP_CIPHER_CTX* ctx = ossl::thread_cipher_ctx();
  int len = 0;
  auto* out = reinterpret_cast<std::uint8_t*>(plain.data());
  const std::uint8_t* tag = body.data() + kHeaderLen + ct_len;
  if (!EVP_DecryptInit_ex2(ctx, ossl::aes128gcm(), keys.cek, keys.nonce, nullptr) ||
      !EVP_DecryptUpdate(ctx, out, &len, body.data() + kHeaderLen, static_cast<int>(ct_len)) ||
      !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagLen, const_cast<std::uint8_t*>(tag)))
    ossl::fail("AES-GCM decryption failed");
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx, out + len, &final_len) <= 0) ossl::fail("authentication tag mismatch");
  plain.resize(static_cast<std::size_t>(len + final_len));
  // Strip padding: zeros after the delimiter; the last record's delimiter is 0x02.
  while (!plain.empty() && plain.back() == '\0') plain.pop_back();
  if (plain.empty() || plain.back() != '\x02') throw CryptoError("missing last-record padding delimiter");
  plain.pop_back();
  return plain;
}

// A 32-byte scalar that is wiped when it goes out of scope.
struct SecretScalar {
  std::uint8_t d[kScalarLen];
  ~SecretScalar() { OPENSSL_cleanse(d, sizeof d); }
};

}  // namespace

ReceiverKeys ReceiverKeys::from_base64url(std::string_view p256dh, std::string_view auth) {
  auto key = common::base64_decode_any(p256dh);
  if (!key || key->size() != 65 || (*key)[0] != 0x04)
    throw CryptoError("keys.p256dh is not a base64url 65-byte uncompressed P-256 point");
  // Checked here, not only when encrypting: a subscription stored with a point off the curve
  // would fail every message sent to it.
  if (!ossl::p256::is_on_curve(key->data())) throw CryptoError("keys.p256dh is not a point on the P-256 curve");
  auto secret = common::base64_decode_any(auth);
  if (!secret || secret->size() != 16) throw CryptoError("keys.auth is not a base64url 16-byte secret");
  return {std::move(*key), std::move(*secret)};
}

Bytes encrypt(const ReceiverKeys& to, std::string_view plaintext) {
  check_size(plaintext);
  SecretScalar ephemeral;
  std::uint8_t ephemeral_public[kPointLen];
  std::uint8_t salt[kSaltLen];
  ossl::p256::generate(ephemeral.d, ephemeral_public);
  ossl::random_fill(salt, kSaltLen);
  return encrypt_impl(to, plaintext, ephemeral.d, ephemeral_public, salt);
}

Bytes encrypt_with(const ReceiverKeys& to, std::string_view plaintext, const Bytes& sender_private, const Bytes& salt) {
  if (sender_private.size() != kScalarLen) throw CryptoError("P-256 private key must be 32 bytes");
  if (salt.size() != kSaltLen) throw CryptoError("salt must be 16 bytes");
  std::uint8_t sender_public[kPointLen];
  ossl::p256::public_from_private(sender_private.data(), sender_public);
  return encrypt_impl(to, plaintext, sender_private.data(), sender_public, salt.data());
}

std::string decrypt(const Bytes& body, const Bytes& receiver_private, const Bytes& receiver_public, const Bytes& auth) {
  if (receiver_private.size() != kScalarLen) throw CryptoError("P-256 private key must be 32 bytes");
  std::uint8_t derived[kPointLen];
  ossl::p256::public_from_private(receiver_private.data(), derived);
  if (receiver_public.size() != kPointLen || std::memcmp(derived, receiver_public.data(), kPointLen) != 0)
    throw CryptoError("receiver public key does not match the private key");
  return decrypt_impl(body, receiver_private.data(), receiver_public, auth);
}

std::string decrypt(const Bytes& body, const KeyPair& receiver, const Bytes& auth) {
  // KeyPair keeps its raw forms, so a message costs no key export.
  if (receiver.private_raw_.size() != kScalarLen) throw CryptoError("receiver key has no private part");
  return decrypt_impl(body, receiver.private_raw_.data(), receiver.public_raw_, auth);
}

}  // namespace evp::push
