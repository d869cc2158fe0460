#pragma once
// Private OpenSSL helpers shared by the crypto sources: owning pointers, P-256 key
// construction from raw bytes, ECDH, HKDF-SHA256. Everything throws CryptoError.
#include <openssl/evp.h>

#include <memory>
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

}  // namespace evp::push::ossl
