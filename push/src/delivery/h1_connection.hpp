#pragma once
// HTTP/1.1 fallback (Beast, keep-alive) for services whose TLS did not select h2, and for
// http:// endpoints in development. One request at a time per connection; others queue.
#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "delivery/http_types.hpp"
#include "delivery/transport.hpp"

namespace evp::push::delivery {

std::shared_ptr<Connection> make_h1_connection(asio::any_io_executor executor, Transport transport,
                                               const ClientOptions& options);

}  // namespace evp::push::delivery
