#include "tls.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>

namespace evp::push_receiver {
namespace {

template <auto F>
struct Free {
  template <class T>
  void operator()(T* p) const {
    F(p);
  }
};

void check(int ok, const char* what) {
  if (ok <= 0) throw std::runtime_error(std::string("TLS set-up: ") + what);
}

void add_ext(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free<X509_EXTENSION_free>> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  check(ext != nullptr, "extension");
  check(X509_add_ext(cert, ext.get(), -1), "add extension");
}

bool is_ip(const std::string& host) {
  return host.find_first_not_of("0123456789.") == std::string::npos || host.find(':') != std::string::npos;
}

// ALPN (RFC 7301): take h2 when offered, else http/1.1; a client offering neither gets
// no ALPN and is served HTTP/1.1.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
                void*) {
  static const unsigned char kPreference[] = "\x02h2\x08http/1.1";
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kPreference, sizeof kPreference - 1, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

namespace {
std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
}  // namespace

boost::asio::ssl::context make_server_tls(const std::string& public_host, const std::string& cert_out,
                                          const std::string& identity_file) {
  std::unique_ptr<EVP_PKEY, Free<EVP_PKEY_free>> key;
  std::unique_ptr<X509, Free<X509_free>> cert;
  if (!identity_file.empty()) {
    // The identity of an earlier run: senders that trusted its certificate still do.
    const std::string pem = read_all(identity_file);
    if (!pem.empty()) {
      std::unique_ptr<BIO, Free<BIO_free>> in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
      key.reset(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr));
      cert.reset(PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr));
      if (!key || !cert) throw std::runtime_error("TLS set-up: cannot read " + identity_file);
    }
  }
  if (!cert) key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "prime256v1"));
  check(key != nullptr, "key generation");
  if (!cert) {
    cert.reset(X509_new());
    check(X509_set_version(cert.get(), 2), "version");
    unsigned char serial[16];
    check(RAND_bytes(serial, sizeof serial), "serial");
    serial[0] &= 0x7f;  // positive
    std::unique_ptr<BIGNUM, Free<BN_free>> bn(BN_bin2bn(serial, sizeof serial, nullptr));
    check(BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) != nullptr, "serial");
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>("evp-push-receiver"), -1, -1, 0),
          "subject");
    check(X509_set_issuer_name(cert.get(), name), "issuer");
    check(X509_set_pubkey(cert.get(), key.get()), "public key");
    std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
    if (public_host != "localhost" && public_host != "127.0.0.1" && public_host != "::1")
      san += (is_ip(public_host) ? ",IP:" : ",DNS:") + public_host;
    add_ext(cert.get(), NID_subject_alt_name, san);
    // Self-signed and used as its own trust anchor by the senders, hence CA:TRUE.
    add_ext(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
    add_ext(cert.get(), NID_ext_key_usage, "serverAuth");
    add_ext(cert.get(), NID_subject_key_identifier, "hash");
    check(X509_sign(cert.get(), key.get(), EVP_sha256()), "signing");
    if (!identity_file.empty()) {
      std::unique_ptr<BIO, Free<BIO_free>> bio(BIO_new(BIO_s_mem()));
      check(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) &&
                PEM_write_bio_X509(bio.get(), cert.get()),
            "PEM");
      char* data = nullptr;
      long len = BIO_get_mem_data(bio.get(), &data);
      std::ofstream out(identity_file, std::ios::binary | std::ios::trunc);
      out.write(data, len);
      if (!out) throw std::runtime_error("cannot write " + identity_file);
    }
  }

  if (!cert_out.empty()) {
    std::unique_ptr<BIO, Free<BIO_free>> bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(bio.get(), cert.get()), "PEM");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    // Write then rename, so a sender polling for the file never reads half of it.
    std::string tmp = cert_out + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(data, len);
      if (!out) throw std::runtime_error("cannot write " + tmp);
    }
    if (std::rename(tmp.c_str(), cert_out.c_str()) != 0) throw std::runtime_error("cannot write " + cert_out);
  }

  boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_server);
  ctx.set_options(boost::asio::ssl::context::default_workarounds | boost::asio::ssl::context::no_sslv2 |
                  boost::asio::ssl::context::no_sslv3 | boost::asio::ssl::context::no_tlsv1 |
                  boost::asio::ssl::context::no_tlsv1_1);
  SSL_CTX* native = ctx.native_handle();
  check(SSL_CTX_use_certificate(native, cert.get()), "use certificate");
  check(SSL_CTX_use_PrivateKey(native, key.get()), "use key");
  SSL_CTX_set_alpn_select_cb(native, select_alpn, nullptr);
  return ctx;
}

}  // namespace evp::push_receiver
