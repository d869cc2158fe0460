// RFC 8291 message encryption with the aes128gcm content coding of RFC 8188.
#include <openssl/evp.h>

#include "crypto/ossl.hpp"
#include "push/crypto.hpp"

namespace evp::push {
namespace {

constexpr std::size_t kSaltLen = 16;
constexpr std::uint32_t kRecordSize = 4096;
constexpr std::size_t kKeyLen = 65;
constexpr std::size_t kHeaderLen = kSaltLen + 4 + 1 + kKeyLen;  // 86
constexpr std::size_t kTagLen = 16;

EVP_CIPHER* aes128gcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  if (!cipher) ossl::fail("AES-128-GCM not available");
  return cipher;
}

struct Keys {
  Bytes cek;
  Bytes nonce;
};

// The key schedule of RFC 8291 section 3.4 followed by RFC 8188 section 2.2/2.3.
Keys derive(const Bytes& ecdh_secret, const Bytes& auth, const Bytes& ua_public, const Bytes& as_public,
            const Bytes& salt) {
  std::string info = std::string("WebPush: info") + '\0';
  info.append(common::as_chars(ua_public));
  info.append(common::as_chars(as_public));
  Bytes ikm = ossl::hkdf(auth, ecdh_secret, info, 32);
  using namespace std::string_view_literals;
  return {ossl::hkdf(salt, ikm, "Content-Encoding: aes128gcm\0"sv, 16),
          ossl::hkdf(salt, ikm, "Content-Encoding: nonce\0"sv, 12)};
}

Bytes seal(const Keys& k, std::string_view plaintext, Bytes out) {
  std::size_t offset = out.size();
  out.resize(offset + plaintext.size() + 1 + kTagLen);
  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  static const std::uint8_t kDelimiter = 0x02;  // last (and only) record, no padding
  std::uint8_t* p = out.data() + offset;
  if (!ctx || !EVP_EncryptInit_ex2(ctx.get(), aes128gcm(), k.cek.data(), k.nonce.data(), nullptr) ||
      !EVP_EncryptUpdate(ctx.get(), p, &len, reinterpret_cast<const std::uint8_t*>(plaintext.data()),
                         static_cast<int>(plaintext.size())))
    ossl::fail("AES-GCM encryption failed");
  int total = len;
  if (!EVP_EncryptUpdate(ctx.get(), p + total, &len, &kDelimiter, 1)) ossl::fail("AES-GCM encryption failed");
  total += len;
  if (!EVP_EncryptFinal_ex(ctx.get(), p + total, &len)) ossl::fail("AES-GCM encryption failed");
  total += len;
  if (!EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagLen, p + total)) ossl::fail("AES-GCM tag failed");
  return out;
}

void check_size(std::string_view plaintext) {
  if (plaintext.size() > kMaxPlaintext)
    throw CryptoError("payload of " + std::to_string(plaintext.size()) + " bytes exceeds the limit of " +
                      std::to_string(kMaxPlaintext));
}

Bytes encrypt_impl(const ReceiverKeys& to, std::string_view plaintext, EVP_PKEY* sender, const Bytes& salt) {
  check_size(plaintext);
  if (salt.size() != kSaltLen) throw CryptoError("salt must be 16 bytes");
  if (to.auth.size() != 16) throw CryptoError("auth secret must be 16 bytes");
  ossl::Pkey receiver = ossl::p256_from_public(to.p256dh);
  Bytes as_public = ossl::public_point(sender);
  Keys keys = derive(ossl::ecdh(sender, receiver.get()), to.auth, to.p256dh, as_public, salt);

  Bytes body;
  body.reserve(kHeaderLen + plaintext.size() + 1 + kTagLen);
  body.insert(body.end(), salt.begin(), salt.end());
  body.push_back(static_cast<std::uint8_t>(kRecordSize >> 24));
  body.push_back(static_cast<std::uint8_t>(kRecordSize >> 16));
  body.push_back(static_cast<std::uint8_t>(kRecordSize >> 8));
  body.push_back(static_cast<std::uint8_t>(kRecordSize));
  body.push_back(static_cast<std::uint8_t>(kKeyLen));
  body.insert(body.end(), as_public.begin(), as_public.end());
  return seal(keys, plaintext, std::move(body));
}

std::string decrypt_impl(const Bytes& body, EVP_PKEY* receiver, const Bytes& receiver_public, const Bytes& auth) {
  if (auth.size() != 16) throw CryptoError("auth secret must be 16 bytes");
  if (body.size() < kSaltLen + 5) throw CryptoError("body shorter than the aes128gcm header");
  Bytes salt(body.begin(), body.begin() + kSaltLen);
  std::uint32_t rs = (std::uint32_t(body[16]) << 24) | (std::uint32_t(body[17]) << 16) |
                     (std::uint32_t(body[18]) << 8) | std::uint32_t(body[19]);
  std::size_t idlen = body[20];
  if (rs < 18) throw CryptoError("record size below 18");
  if (idlen != kKeyLen) throw CryptoError("key id must be the 65-byte sender public key");
  if (body.size() < kHeaderLen + kTagLen + 1) throw CryptoError("body shorter than one record");
  Bytes as_public(body.begin() + 21, body.begin() + kHeaderLen);
  std::size_t record_len = body.size() - kHeaderLen;
  // RFC 8291 section 4: a push message is a single record.
  if (record_len > rs) throw CryptoError("more than one record");

  ossl::Pkey sender = ossl::p256_from_public(as_public);
  Keys keys = derive(ossl::ecdh(receiver, sender.get()), auth, receiver_public, as_public, salt);

  std::size_t ct_len = record_len - kTagLen;
  std::string plain(ct_len, '\0');
  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  auto* out = reinterpret_cast<std::uint8_t*>(plain.data());
  const std::uint8_t* tag = body.data() + kHeaderLen + ct_len;
  if (!ctx || !EVP_DecryptInit_ex2(ctx.get(), aes128gcm(), keys.cek.data(), keys.nonce.data(), nullptr) ||
      !EVP_DecryptUpdate(ctx.get(), out, &len, body.data() + kHeaderLen, static_cast<int>(ct_len)) ||
      !EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagLen, const_cast<std::uint8_t*>(tag)))
    ossl::fail("AES-GCM decryption failed");
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out + len, &final_len) <= 0) ossl::fail("authentication tag mismatch");
  plain.resize(static_cast<std::size_t>(len + final_len));
  // Strip padding: zeros after the delimiter; the last record's delimiter is 0x02.
  while (!plain.empty() && plain.back() == '\0') plain.pop_back();
  if (plain.empty() || plain.back() != '\x02') throw CryptoError("missing last-record padding delimiter");
  plain.pop_back();
  return plain;
}

}  // namespace

ReceiverKeys ReceiverKeys::from_base64url(std::string_view p256dh, std::string_view auth) {
  auto key = common::base64_decode_any(p256dh);
  if (!key || key->size() != 65 || (*key)[0] != 0x04)
    throw CryptoError("keys.p256dh is not a base64url 65-byte uncompressed P-256 point");
  auto secret = common::base64_decode_any(auth);
  if (!secret || secret->size() != 16) throw CryptoError("keys.auth is not a base64url 16-byte secret");
  return {std::move(*key), std::move(*secret)};
}

Bytes encrypt(const ReceiverKeys& to, std::string_view plaintext) {
  check_size(plaintext);
  ossl::Pkey ephemeral = ossl::generate_p256();
  return encrypt_impl(to, plaintext, ephemeral.get(), ossl::random_bytes(kSaltLen));
}

Bytes encrypt_with(const ReceiverKeys& to, std::string_view plaintext, const Bytes& sender_private, const Bytes& salt) {
  ossl::Pkey sender = ossl::p256_from_private(sender_private);
  return encrypt_impl(to, plaintext, sender.get(), salt);
}

std::string decrypt(const Bytes& body, const Bytes& receiver_private, const Bytes& receiver_public, const Bytes& auth) {
  ossl::Pkey receiver = ossl::p256_from_private(receiver_private);
  if (ossl::public_point(receiver.get()) != receiver_public)
    throw CryptoError("receiver public key does not match the private key");
  return decrypt_impl(body, receiver.get(), receiver_public, auth);
}

std::string decrypt(const Bytes& body, const KeyPair& receiver, const Bytes& auth) {
  auto* key = static_cast<EVP_PKEY*>(receiver.native());
  return decrypt_impl(body, key, receiver.public_raw(), auth);
}

}  // namespace evp::push
