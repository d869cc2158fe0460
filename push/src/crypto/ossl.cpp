#include "crypto/ossl.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <string>

namespace evp::push::ossl {
namespace {

char kGroupName[] = "prime256v1";

struct BnFree {
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
struct GroupFree {
  void operator()(EC_GROUP* p) const { EC_GROUP_free(p); }
};
struct PointFree {
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
};

// Fetched once: implicit fetching on every call costs a provider lookup per message,
// which shows up in the push benchmark.
EVP_KDF* hkdf_algorithm() {
  static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (!kdf) fail("HKDF not available");
  return kdf;
}

const EC_GROUP* p256_group() {
  static EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  if (!group) fail("P-256 not available");
  return group;
}

Pkey from_params(const OSSL_PARAM* params, int selection) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, selection, const_cast<OSSL_PARAM*>(params)) <= 0)
    fail("invalid P-256 key");
  return Pkey(key);
}

// A public-only P-256 key used as a template. Building a key from parameters constructs a
// new EC group each time (Montgomery set-up with modular inversions), which cost more than
// the ECDH itself; duplicating a template copies the group cheaply.
EVP_PKEY* public_template() {
  static EVP_PKEY* key = [] {
    EVP_PKEY* generated = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", kGroupName);
    std::uint8_t pub[65];
    std::size_t len = 0;
    if (!generated || !EVP_PKEY_get_octet_string_param(generated, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &len))
      fail("P-256 key generation failed");
    EVP_PKEY_free(generated);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, kGroupName, 0),
                           OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, len),
                           OSSL_PARAM_construct_end()};
    return from_params(params, EVP_PKEY_PUBLIC_KEY).release();
  }();
  return key;
}

}  // namespace

void fail(std::string_view what) {
  std::string message(what);
  unsigned long code = ERR_get_error();
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    message += " (";
    message += buf;
    message += ")";
  }
  ERR_clear_error();
  throw CryptoError(message);
}

Pkey generate_p256() {
  // One generation context per thread, parameters from the template (see public_template).
  thread_local PkeyCtx ctx = [] {
    PkeyCtx c(EVP_PKEY_CTX_new_from_pkey(nullptr, public_template(), nullptr));
    if (!c || EVP_PKEY_keygen_init(c.get()) <= 0) fail("P-256 key generation set-up failed");
    return c;
  }();
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &key) <= 0) fail("P-256 key generation failed");
  return Pkey(key);
}

Pkey p256_from_public(const Bytes& point) {
  if (point.size() != 65 || point[0] != 0x04)
    throw CryptoError("P-256 public key must be a 65-byte uncompressed point");
  Pkey key(EVP_PKEY_dup(public_template()));
  // Setting the encoded point decodes it with EC_POINT_oct2point, which refuses points off the curve.
  if (!key || EVP_PKEY_set1_encoded_public_key(key.get(), point.data(), point.size()) <= 0)
    fail("invalid P-256 public key");
  return key;
}

Pkey p256_from_private(const Bytes& scalar) {
  if (scalar.size() != 32) throw CryptoError("P-256 private key must be 32 bytes");
  std::unique_ptr<BIGNUM, BnFree> d(BN_bin2bn(scalar.data(), 32, nullptr));
  const EC_GROUP* group = p256_group();
  if (!d || BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group)) >= 0)
    throw CryptoError("P-256 private key is out of range");
  // EVP_PKEY_fromdata does not derive the public point from the scalar, so compute it.
  std::unique_ptr<EC_POINT, PointFree> q(EC_POINT_new(group));
  std::uint8_t pub[65];
  if (!q || !EC_POINT_mul(group, q.get(), d.get(), nullptr, nullptr, nullptr) ||
      EC_POINT_point2oct(group, q.get(), POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub, nullptr) != sizeof pub)
    fail("cannot compute P-256 public key");
  // OSSL_PARAM BIGNUMs are native-endian; let the param builder do the conversion.
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, kGroupName, 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d.get());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  OSSL_PARAM_BLD_free(bld);
  if (!params) fail("cannot build P-256 key parameters");
  try {
    Pkey key = from_params(params, EVP_PKEY_KEYPAIR);
    OSSL_PARAM_free(params);
    return key;
  } catch (...) {
    OSSL_PARAM_free(params);
    throw;
  }
}

bool is_p256(EVP_PKEY* key) {
  if (!EVP_PKEY_is_a(key, "EC")) return false;
  char name[64] = {};
  std::size_t len = 0;
  if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len)) return false;
  std::string_view n(name, len);
  return n == "prime256v1" || n == "P-256" || n == "secp256r1";
}

Bytes public_point(EVP_PKEY* key) {
  Bytes out(65);
  std::size_t len = 0;
  if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len) || len != 65)
    fail("cannot read P-256 public key");
  return out;
}

Bytes private_scalar(EVP_PKEY* key) {
  BIGNUM* raw = nullptr;
  if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &raw)) fail("key has no private part");
  std::unique_ptr<BIGNUM, BnFree> d(raw);
  Bytes out(32);
  if (BN_bn2binpad(d.get(), out.data(), 32) != 32) fail("cannot read P-256 private key");
  return out;
}

Bytes ecdh(EVP_PKEY* own_private, EVP_PKEY* peer_public) {
  // No peer validation here: every peer key comes from p256_from_public, whose decoding
  // already refuses points off the curve, and P-256 has cofactor 1, so the extra full check
  // (a scalar multiplication by the order) would only double the cost.
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own_private, nullptr));
  std::size_t len = 32;
  Bytes out(32);
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 || EVP_PKEY_derive_set_peer_ex(ctx.get(), peer_public, 0) <= 0 ||
      EVP_PKEY_derive(ctx.get(), out.data(), &len) <= 0)
    fail("ECDH failed");
  // OpenSSL pads X to the field size; keep the check in case a provider does not.
  if (len != 32) {
    Bytes padded(32, 0);
    std::copy(out.begin(), out.begin() + len, padded.begin() + (32 - len));
    return padded;
  }
  return out;
}

Bytes hkdf(const Bytes& salt, const Bytes& ikm, std::string_view info, std::size_t length) {
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(hkdf_algorithm()));
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(ikm.data()), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
      OSSL_PARAM_construct_end()};
  Bytes out(length);
  if (!ctx || EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) <= 0) fail("HKDF failed");
  return out;
}

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  random_fill(out.data(), n);
  return out;
}

void random_fill(std::uint8_t* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) fail("RAND_bytes failed");
}

namespace {

// Per-thread scratch for the P-256 hot path. The scalar BIGNUM is marked constant-time (as
// OpenSSL marks key scalars), and the secret-bearing values are cleared after every use.
struct P256Scratch {
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM* d = BN_new();
  BIGNUM* x = BN_new();
  EC_POINT* point = EC_POINT_new(p256_group());
  EC_POINT* result = EC_POINT_new(p256_group());
  P256Scratch() {
    if (!ctx || !d || !x || !point || !result) fail("out of memory");
    BN_set_flags(d, BN_FLG_CONSTTIME);
  }
  ~P256Scratch() {
    BN_CTX_free(ctx);
    BN_clear_free(d);
    BN_clear_free(x);
    EC_POINT_free(point);
    EC_POINT_clear_free(result);
  }
  P256Scratch(const P256Scratch&) = delete;
  P256Scratch& operator=(const P256Scratch&) = delete;
};

P256Scratch& p256_scratch() {
  thread_local P256Scratch scratch;
  return scratch;
}

// Clears the secrets in the scratch however the operation ends.
struct ScratchGuard {
  P256Scratch& s;
  ~ScratchGuard() {
    BN_clear(s.d);
    BN_clear(s.x);
    EC_POINT_set_to_infinity(p256_group(), s.result);
  }
};

void encode_point(P256Scratch& s, const EC_POINT* point, std::uint8_t out[p256::kPointLen]) {
  if (EC_POINT_point2oct(p256_group(), point, POINT_CONVERSION_UNCOMPRESSED, out, p256::kPointLen, s.ctx) !=
      p256::kPointLen)
    fail("cannot encode P-256 point");
}

}  // namespace

namespace p256 {

void generate(std::uint8_t private_out[kScalarLen], std::uint8_t public_out[kPointLen]) {
  P256Scratch& s = p256_scratch();
  ScratchGuard guard{s};
  const EC_GROUP* group = p256_group();
  // What EC_KEY_generate_key does: uniform in [0, n), retried while zero.
  do {
    if (!BN_priv_rand_range_ex(s.d, EC_GROUP_get0_order(group), 0, s.ctx)) fail("P-256 key generation failed");
  } while (BN_is_zero(s.d));
  if (!EC_POINT_mul(group, s.result, s.d, nullptr, nullptr, s.ctx)) fail("P-256 key generation failed");
  encode_point(s, s.result, public_out);
  if (BN_bn2binpad(s.d, private_out, kScalarLen) != kScalarLen) fail("P-256 key generation failed");
}

void public_from_private(const std::uint8_t private_scalar[kScalarLen], std::uint8_t public_out[kPointLen]) {
  P256Scratch& s = p256_scratch();
  ScratchGuard guard{s};
  const EC_GROUP* group = p256_group();
  if (!BN_bin2bn(private_scalar, kScalarLen, s.d)) fail("out of memory");
  if (BN_is_zero(s.d) || BN_cmp(s.d, EC_GROUP_get0_order(group)) >= 0)
    throw CryptoError("P-256 private key is out of range");
  if (!EC_POINT_mul(group, s.result, s.d, nullptr, nullptr, s.ctx)) fail("cannot compute P-256 public key");
  encode_point(s, s.result, public_out);
}

bool is_on_curve(const std::uint8_t point[kPointLen]) {
  P256Scratch& s = p256_scratch();
  // oct2point sets affine coordinates, which refuses points off the curve.
  if (point[0] == 0x04 && EC_POINT_oct2point(p256_group(), s.point, point, kPointLen, s.ctx) == 1) return true;
  ERR_clear_error();
  return false;
}

void ecdh(const std::uint8_t private_scalar[kScalarLen], const std::uint8_t peer[kPointLen],
          std::uint8_t secret_out[kScalarLen]) {
  P256Scratch& s = p256_scratch();
  ScratchGuard guard{s};
  const EC_GROUP* group = p256_group();
  // oct2point sets affine coordinates, which refuses points off the curve.
  if (peer[0] != 0x04 || !EC_POINT_oct2point(group, s.point, peer, kPointLen, s.ctx))
    fail("invalid P-256 public key");
  if (!BN_bin2bn(private_scalar, kScalarLen, s.d)) fail("out of memory");
  if (BN_is_zero(s.d) || BN_cmp(s.d, EC_GROUP_get0_order(group)) >= 0)
    throw CryptoError("P-256 private key is out of range");
  if (!EC_POINT_mul(group, s.result, nullptr, s.point, s.d, s.ctx) ||
      !EC_POINT_get_affine_coordinates(group, s.result, s.x, nullptr, s.ctx) ||
      BN_bn2binpad(s.x, secret_out, kScalarLen) != kScalarLen)
    fail("ECDH failed");
}

}  // namespace p256

void hmac_sha256(std::span<const std::uint8_t> key, std::initializer_list<std::span<const std::uint8_t>> parts,
                 std::uint8_t out[32]) {
  struct MacCtxFree {
    void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
  };
  // The digest is set once; EVP_MAC_init with a new key restarts the context.
  thread_local std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx = [] {
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!mac) fail("HMAC not available");
    std::unique_ptr<EVP_MAC_CTX, MacCtxFree> c(EVP_MAC_CTX_new(mac));
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (!c || !EVP_MAC_CTX_set_params(c.get(), params)) fail("HMAC-SHA256 set-up failed");
    return c;
  }();
  std::size_t len = 0;
  if (!EVP_MAC_init(ctx.get(), key.data(), key.size(), nullptr)) fail("HMAC failed");
  for (auto part : parts)
    if (!part.empty() && !EVP_MAC_update(ctx.get(), part.data(), part.size())) fail("HMAC failed");
  if (!EVP_MAC_final(ctx.get(), out, &len, 32) || len != 32) fail("HMAC failed");
}

EVP_CIPHER* aes128gcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  if (!cipher) fail("AES-128-GCM not available");
  return cipher;
}

EVP_CIPHER_CTX* thread_cipher_ctx() {
  thread_local CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) fail("out of memory");
  return ctx.get();
}

}  // namespace evp::push::ossl
