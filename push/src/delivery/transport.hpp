#pragma once
// Opening a connection to a push service: asynchronous resolution with the address policy,
// TCP connect, TLS with SNI, peer and host name verification, ALPN (h2, http/1.1).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <memory>
#include <string>

#include "common/resolver.hpp"
#include "delivery/http_types.hpp"

namespace evp::push::delivery {

namespace asio = boost::asio;
using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

struct Transport {
  std::string error;    ///< "" on success
  bool policy = false;  ///< the error is the endpoint policy's refusal
  std::unique_ptr<TlsStream> tls;
  std::unique_ptr<asio::ip::tcp::socket> plain;  ///< http:// (allow_insecure only)
  bool h2 = false;                               ///< ALPN selected "h2"
};

/// A TLS client context: system trust store plus `ca_file`, peer verification, TLS >= 1.2,
/// ALPN offering h2 then http/1.1. Throws std::runtime_error naming the CA file if unreadable.
std::unique_ptr<asio::ssl::context> make_client_tls_context(const std::string& ca_file);

/// Resolves (on `resolver`), checks the addresses against the endpoint policy, connects
/// and, for https, completes TLS with ALPN.
asio::awaitable<Transport> open_transport(asio::any_io_executor executor, asio::ssl::context& tls, const Url& url,
                                          const ClientOptions& options, common::Resolver& resolver);

}  // namespace evp::push::delivery
