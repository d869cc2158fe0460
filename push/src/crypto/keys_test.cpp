#include <doctest/doctest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "push/crypto.hpp"

using evp::common::base64_decode_any;
using evp::common::base64url_encode;
using namespace evp::push;

namespace {

// PEM texts written by OpenSSL itself, so the test does not depend on checked-in keys.
enum class PemKind { Pkcs8, Sec1, PublicSpki };

std::string to_pem(const KeyPair& key, PemKind kind) {
  BIO* bio = BIO_new(BIO_s_mem());
  auto* pkey = static_cast<EVP_PKEY*>(key.native());
  int ok = 0;
  switch (kind) {
    case PemKind::Pkcs8:
      ok = PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
      break;
    case PemKind::Sec1:
      ok = PEM_write_bio_PrivateKey_traditional(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
      break;
    case PemKind::PublicSpki:
      ok = PEM_write_bio_PUBKEY(bio, pkey);
      break;
  }
  REQUIRE(ok == 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return pem;
}

}  // namespace

TEST_CASE("KeyPair from raw base64url private and public keys") {
  KeyPair a = KeyPair::generate();
  CHECK(a.private_raw().size() == 32);
  CHECK(a.public_raw().size() == 65);
  CHECK(a.public_raw()[0] == 0x04);
  KeyPair b = KeyPair::from_strings(a.private_b64url(), a.public_b64url());
  CHECK(b.public_raw() == a.public_raw());
  CHECK(b.private_raw() == a.private_raw());
  // Public key derived when not given; padded standard base64 accepted too.
  KeyPair c = KeyPair::from_strings(a.private_b64url(), "");
  CHECK(c.public_b64url() == a.public_b64url());
  CHECK(KeyPair::from_raw_private(a.private_raw()).public_raw() == a.public_raw());
}

TEST_CASE("KeyPair from PEM (PKCS#8, SEC1, SPKI public key)") {
  KeyPair a = KeyPair::generate();
  std::string pkcs8 = to_pem(a, PemKind::Pkcs8);
  std::string sec1 = to_pem(a, PemKind::Sec1);
  std::string spki = to_pem(a, PemKind::PublicSpki);
  CHECK(pkcs8.find("BEGIN PRIVATE KEY") != std::string::npos);
  CHECK(sec1.find("BEGIN EC PRIVATE KEY") != std::string::npos);
  CHECK(KeyPair::from_strings(pkcs8, "").public_raw() == a.public_raw());
  CHECK(KeyPair::from_strings(sec1, spki).private_raw() == a.private_raw());
  CHECK(KeyPair::from_strings(pkcs8, a.public_b64url()).private_raw() == a.private_raw());
  CHECK(KeyPair::from_strings(a.private_b64url(), spki).public_raw() == a.public_raw());
}

TEST_CASE("mismatched key pair is refused") {
  KeyPair a = KeyPair::generate();
  KeyPair b = KeyPair::generate();
  CHECK_THROWS_AS(KeyPair::from_strings(a.private_b64url(), b.public_b64url()), CryptoError);
  CHECK_THROWS_AS(KeyPair::from_strings(to_pem(a, PemKind::Pkcs8), to_pem(b, PemKind::PublicSpki)), CryptoError);
}

TEST_CASE("invalid keys are refused") {
  CHECK_THROWS_AS(KeyPair::from_strings("", ""), CryptoError);
  CHECK_THROWS_AS(KeyPair::from_strings("%%%", ""), CryptoError);
  CHECK_THROWS_AS(KeyPair::from_strings(base64url_encode(evp::push::Bytes(31, 1)), ""), CryptoError);
  CHECK_THROWS_AS(KeyPair::from_raw_private(evp::push::Bytes(32, 0)), CryptoError);     // zero scalar
  CHECK_THROWS_AS(KeyPair::from_raw_private(evp::push::Bytes(32, 0xff)), CryptoError);  // above the order
  CHECK_THROWS_AS(KeyPair::from_strings("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", ""),
                  CryptoError);
}

TEST_CASE("vapid_keygen_env_lines prints a loadable pair") {
  std::string lines = vapid_keygen_env_lines();
  auto priv_at = lines.find("VAPID_PRIVATE_KEY=");
  auto pub_at = lines.find("\nVAPID_PUBLIC_KEY=");
  REQUIRE(priv_at == 0);
  REQUIRE(pub_at != std::string::npos);
  REQUIRE(lines.back() == '\n');
  std::string priv = lines.substr(18, pub_at - 18);
  std::string pub = lines.substr(pub_at + 18, lines.size() - pub_at - 19);
  CHECK(priv.size() == 43);
  CHECK(pub.size() == 87);
  CHECK(KeyPair::from_strings(priv, pub).public_b64url() == pub);
}
