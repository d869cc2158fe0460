#pragma once
// Private OpenSSL helpers shared by the crypto sources: owning pointers, P-256 key
// construction from raw bytes, ECDH, HKDF-SHA256. Everything throws CryptoError.
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>

#include "push/crypto.hpp"

namespace evp::push::ossl {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

/// Throws CryptoError with `what` and the first queued OpenSSL error (queue cleared).
[[noreturn]] void fail(std::string_view what);

/// Fresh random P-256 key pair.
Pkey generate_p256();
/// Public-only key from a 65-byte uncompressed point; refuses points not on the curve.
Pkey p256_from_public(const Bytes& point);
/// Full key from a 32-byte scalar (the public point is computed).
Pkey p256_from_private(const Bytes& scalar);
/// True when `key` is an EC key on P-256.
bool is_p256(EVP_PKEY* key);

Bytes public_point(EVP_PKEY* key);    ///< 65 bytes
Bytes private_scalar(EVP_PKEY* key);  ///< 32 bytes, left-padded

/// ECDH shared secret (X coordinate, always 32 bytes).
Bytes ecdh(EVP_PKEY* own_private, EVP_PKEY* peer_public);

/// HKDF-SHA256 (RFC 5869 extract + expand) of `length` bytes.
Bytes hkdf(const Bytes& salt, const Bytes& ikm, std::string_view info, std::size_t length);

/// Cryptographically secure random bytes.
Bytes random_bytes(std::size_t n);
/// Same, into a caller's buffer.
void random_fill(std::uint8_t* out, std::size_t n);

// The per-message hot path (RFC 8291 encryption and decryption). These work on raw bytes
// with the shared P-256 group and thread-local scratch state, so a message costs exactly
// the math - one fixed-base multiplication (key generation), one variable-base
// multiplication (ECDH), a few HMACs and one AES-GCM pass - and no EVP_PKEY construction,
// provider dispatch or parameter export. Thread-safe (all mutable state is per thread).
namespace p256 {

inline constexpr std::size_t kScalarLen = 32;
inline constexpr std::size_t kPointLen = 65;  // 0x04 || X || Y

/// A fresh key pair: a uniformly random scalar in [1, n-1] and its public point.
void generate(std::uint8_t private_out[kScalarLen], std::uint8_t public_out[kPointLen]);
/// The public point of a scalar; throws CryptoError when the scalar is 0 or >= n.
void public_from_private(const std::uint8_t private_scalar[kScalarLen], std::uint8_t public_out[kPointLen]);
/// True when `point` is an uncompressed point (0x04 || X || Y) on the curve.
bool is_on_curve(const std::uint8_t point[kPointLen]);
/// ECDH: X coordinate of d * P. `peer` must be an uncompressed point on the curve (checked;
/// CryptoError otherwise). P-256 has cofactor 1, so an on-curve point needs no further check.
void ecdh(const std::uint8_t private_scalar[kScalarLen], const std::uint8_t peer[kPointLen],
          std::uint8_t secret_out[kScalarLen]);

}  // namespace p256

/// HMAC-SHA256 over the concatenation of `parts` (a per-thread EVP_MAC_CTX, reused).
void hmac_sha256(std::span<const std::uint8_t> key, std::initializer_list<std::span<const std::uint8_t>> parts,
                 std::uint8_t out[32]);

/// A per-thread AES-128-GCM context, reset by each EVP_*Init_ex2.
EVP_CIPHER_CTX* thread_cipher_ctx();
/// AES-128-GCM, fetched once.
EVP_CIPHER* aes128gcm();

}  // namespace evp::push::ossl
