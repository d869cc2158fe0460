// P-256 key pairs for VAPID and the simulator: raw base64url forms (what `vapid --gen`
// and `web-push generate-vapid-keys` print), PEM and base64 DER.
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/ossl.hpp"
#include "push/crypto.hpp"

namespace evp::push {
namespace {

bool looks_like_pem(std::string_view s) { return s.find("-----BEGIN") != std::string_view::npos; }

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

ossl::Pkey read_pem(std::string_view pem, bool private_key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) ossl::fail("out of memory");
  // PEM_read_bio_PrivateKey decodes PKCS#8 and the traditional "EC PRIVATE KEY" (SEC1).
  EVP_PKEY* key = private_key ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                              : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (!key) ossl::fail(private_key ? "cannot read the PEM private key" : "cannot read the PEM public key");
  ossl::Pkey owned(key);
  if (!ossl::is_p256(key)) throw CryptoError("key is not a P-256 EC key");
  return owned;
}

// A base64url/base64 text: 32 bytes are a raw scalar, anything longer is tried as DER
// (PKCS#8 or SEC1), the form py-vapid's `Vapid.from_string` also accepts.
ossl::Pkey read_private_text(std::string_view text) {
  if (looks_like_pem(text)) return read_pem(text, true);
  auto raw = common::base64_decode_any(text);
  if (!raw) throw CryptoError("private key is neither PEM nor base64url");
  if (raw->size() == 32) return ossl::p256_from_private(*raw);
  const std::uint8_t* p = raw->data();
  EVP_PKEY* key = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(raw->size()));
  if (!key) ossl::fail("private key is not a 32-byte scalar nor DER");
  ossl::Pkey owned(key);
  if (!ossl::is_p256(key)) throw CryptoError("private key is not a P-256 EC key");
  return owned;
}

Bytes read_public_text(std::string_view text) {
  if (looks_like_pem(text)) return ossl::public_point(read_pem(text, false).get());
  auto raw = common::base64_decode_any(text);
  if (!raw) throw CryptoError("public key is neither PEM nor base64url");
  if (raw->size() == 65) return ossl::public_point(ossl::p256_from_public(*raw).get());
  const std::uint8_t* p = raw->data();
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(raw->size()));
  if (!key) ossl::fail("public key is not a 65-byte point nor DER");
  ossl::Pkey owned(key);
  if (!ossl::is_p256(key)) throw CryptoError("public key is not a P-256 EC key");
  return ossl::public_point(key);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

KeyPair::KeyPair(void* pkey) : pkey_(pkey) {
  // Frees the key if reading it fails (the object is not constructed then).
  ossl::Pkey guard(static_cast<EVP_PKEY*>(pkey));
  public_raw_ = ossl::public_point(guard.get());
  private_raw_ = ossl::private_scalar(guard.get());
  guard.release();
}

KeyPair::KeyPair(KeyPair&& other) noexcept
    : pkey_(other.pkey_), public_raw_(std::move(other.public_raw_)), private_raw_(std::move(other.private_raw_)) {
  other.pkey_ = nullptr;
}

KeyPair& KeyPair::operator=(KeyPair&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(static_cast<EVP_PKEY*>(pkey_));
    if (!private_raw_.empty()) OPENSSL_cleanse(private_raw_.data(), private_raw_.size());
    pkey_ = other.pkey_;
    public_raw_ = std::move(other.public_raw_);
    private_raw_ = std::move(other.private_raw_);
    other.pkey_ = nullptr;
  }
  return *this;
}

KeyPair::~KeyPair() {
  EVP_PKEY_free(static_cast<EVP_PKEY*>(pkey_));
  if (!private_raw_.empty()) OPENSSL_cleanse(private_raw_.data(), private_raw_.size());
}

KeyPair KeyPair::generate() { return KeyPair(ossl::generate_p256().release()); }

KeyPair KeyPair::from_raw_private(const Bytes& private_scalar) {
  return KeyPair(ossl::p256_from_private(private_scalar).release());
}

KeyPair KeyPair::from_strings(std::string_view private_key, std::string_view public_key) {
  private_key = trim(private_key);
  public_key = trim(public_key);
  if (private_key.empty()) throw CryptoError("private key is empty");
  ossl::Pkey key = read_private_text(private_key);
  if (!public_key.empty() && read_public_text(public_key) != ossl::public_point(key.get()))
    throw CryptoError("public key does not belong to the private key");
  return KeyPair(key.release());
}

Bytes KeyPair::public_raw() const { return public_raw_; }
Bytes KeyPair::private_raw() const { return private_raw_; }
std::string KeyPair::public_b64url() const { return common::base64url_encode(public_raw()); }
std::string KeyPair::private_b64url() const { return common::base64url_encode(private_raw()); }

std::string vapid_keygen_env_lines() {
  KeyPair key = KeyPair::generate();
  return "VAPID_PRIVATE_KEY=" + key.private_b64url() + "\nVAPID_PUBLIC_KEY=" + key.public_b64url() + "\n";
}

}  // namespace evp::push
