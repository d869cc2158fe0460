#pragma once
// An HTTP/2 client connection: nghttp2's memory interface driven by Asio over TLS.
#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "delivery/http_types.hpp"
#include "delivery/transport.hpp"

namespace evp::push::delivery {

/// Starts the connection's reader, writer and keep-alive coroutines on `executor` (they
/// keep the connection alive until it closes). Many requests may be in flight at once;
/// beyond the service's SETTINGS_MAX_CONCURRENT_STREAMS, nghttp2 holds new streams back
/// until earlier ones close.
std::shared_ptr<Connection> make_h2_connection(asio::any_io_executor executor, std::unique_ptr<TlsStream> stream,
                                               const ClientOptions& options);

}  // namespace evp::push::delivery
