#pragma once
/// Web Push message encryption (RFC 8291, aes128gcm content coding of RFC 8188) and
/// VAPID (RFC 8292). OpenSSL 3 underneath; no I/O.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/base64.hpp"

namespace evp::push {

using Bytes = evp::common::Bytes;

/// A crypto input is invalid (bad key, payload too large, …). The message says which.
class CryptoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The browser side of a subscription: `keys.p256dh` (65-byte uncompressed P-256 point)
/// and `keys.auth` (16-byte secret).
struct ReceiverKeys {
  Bytes p256dh;
  Bytes auth;
  /// Decodes the base64url strings of a PushSubscription; throws CryptoError naming the key.
  static ReceiverKeys from_base64url(std::string_view p256dh, std::string_view auth);
};

/// Largest plaintext that fits one 4096-byte aes128gcm record with a 65-byte key id:
/// 4096 - 86 (header) - 16 (tag) - 1 (padding delimiter) = 3993.
inline constexpr std::size_t kMaxPlaintext = 3993;

/// Encrypts `plaintext` for one receiver: fresh ephemeral P-256 key and random 16-byte
/// salt, a single record (rs = 4096) with the 0x02 delimiter. Returns the request body
/// (header || ciphertext). Throws CryptoError when the plaintext exceeds kMaxPlaintext or
/// the receiver key is not a valid P-256 point.
Bytes encrypt(const ReceiverKeys& to, std::string_view plaintext);

/// Deterministic variant for known-answer tests: given sender private key (32 bytes) and salt.
Bytes encrypt_with(const ReceiverKeys& to, std::string_view plaintext, const Bytes& sender_private, const Bytes& salt);

/// Receiver side (the push receiver simulator and tests): decrypts an aes128gcm body with the
/// receiver's private key (32 bytes), public key (65 bytes) and auth secret. Throws CryptoError.
std::string decrypt(const Bytes& body, const Bytes& receiver_private, const Bytes& receiver_public, const Bytes& auth);

class KeyPair;
/// Same, with the receiver key already loaded (the simulator keeps one per subscription so a
/// request does not rebuild the key).
std::string decrypt(const Bytes& body, const KeyPair& receiver, const Bytes& auth);

/// A P-256 key pair. VAPID keys use the raw forms that `vapid --gen` and the web-push tools
/// print: base64url of the 32-byte private scalar and of the 65-byte uncompressed public point.
class KeyPair {
 public:
  KeyPair(KeyPair&&) noexcept;
  KeyPair& operator=(KeyPair&&) noexcept;
  ~KeyPair();

  static KeyPair generate();
  /// Accepts base64url raw keys or PEM (PKCS#8 / SEC1 private key; SPKI public key).
  /// `public_key` may be empty (derived). A public key that does not match the private one
  /// is refused with CryptoError.
  static KeyPair from_strings(std::string_view private_key, std::string_view public_key);
  static KeyPair from_raw_private(const Bytes& private_scalar);

  Bytes public_raw() const;   ///< 65 bytes, 0x04 || X || Y
  Bytes private_raw() const;  ///< 32 bytes
  std::string public_b64url() const;
  std::string private_b64url() const;
  /// OpenSSL EVP_PKEY* (opaque here to keep OpenSSL out of public headers).
  void* native() const { return pkey_; }

 private:
  explicit KeyPair(void* pkey);  ///< takes ownership; caches the raw forms below
  friend std::string decrypt(const Bytes& body, const KeyPair& receiver, const Bytes& auth);
  void* pkey_ = nullptr;
  // Raw forms, read once at construction: decrypting a message then needs no key export
  // (which costs more than the AES-GCM and HKDF of the message together).
  Bytes public_raw_;   // 65 bytes
  Bytes private_raw_;  // 32 bytes, wiped on destruction
};

/// ES256 JWT for VAPID: header {"typ":"JWT","alg":"ES256"}, claims {aud, exp, sub},
/// signature raw R||S (64 bytes), base64url.
std::string sign_vapid_jwt(const KeyPair& key, std::string_view audience, std::int64_t expires_unix,
                           std::string_view subject);

struct VapidClaims {
  std::string aud;
  std::int64_t exp = 0;
  std::string sub;
};
/// Verifies a VAPID JWT against the public key `k` (base64url raw 65-byte point). Returns the
/// claims, or throws CryptoError saying what is wrong (bad signature, malformed, wrong alg).
VapidClaims verify_vapid_jwt(std::string_view jwt, std::string_view k);

/// A fresh VAPID key pair as env-file lines, for `evpower vapid-keygen`:
/// "VAPID_PRIVATE_KEY=<base64url 32 bytes>\nVAPID_PUBLIC_KEY=<base64url 65 bytes>\n".
std::string vapid_keygen_env_lines();

/// The origin (scheme://host[:port], default port omitted) of a push endpoint URL: the VAPID `aud`.
/// Scheme and host are lower-cased; userinfo, path, query and fragment are dropped. Throws
/// CryptoError when `url` has no `scheme://host`.
std::string origin_of(std::string_view url);

}  // namespace evp::push
