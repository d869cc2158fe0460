#pragma once
// TLS for the push receiver: a self-signed certificate made at start (so no key material
// is checked in) and ALPN that prefers h2 over http/1.1.
#include <boost/asio/ssl/context.hpp>
#include <string>

namespace evp::push_receiver {

/// A server context with a fresh self-signed P-256 certificate valid for localhost,
/// 127.0.0.1, ::1 and `public_host`. When `cert_out` is not empty the certificate PEM is
/// written there so senders can trust it (curl --cacert, SSL_CTX_load_verify_locations).
/// With `identity_file`, the key and certificate are read from it when it exists (a
/// restart keeps the identity senders trust) and written to it when it does not.
boost::asio::ssl::context make_server_tls(const std::string& public_host, const std::string& cert_out,
                                          const std::string& identity_file = {});

}  // namespace evp::push_receiver
