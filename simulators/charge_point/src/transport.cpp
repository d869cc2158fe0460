#include "transport.hpp"

#include <netinet/in.h>
#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <type_traits>

#include "pausable_stream.hpp"
#include "simulators/charge_point.hpp"

namespace evp::sim::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(use_awaitable);

using Pausable = PausableStream<beast::tcp_stream>;
using PlainWs = websocket::stream<Pausable>;
using TlsWs = websocket::stream<beast::ssl_stream<Pausable>>;

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += ", ";
    out += p;
  }
  return out;
}

template <class Ws>
class WsTransport final : public Transport {
 public:
  static constexpr bool tls = !std::is_same_v<Ws, PlainWs>;

  explicit WsTransport(asio::any_io_executor ex) : executor_(ex) {}

  asio::awaitable<std::string> open(const HandshakeRequest& rq) override {
    if constexpr (tls) {
      ssl_.emplace(asio::ssl::context::tls_client);
      try {
        if (rq.insecure) {
          ssl_->set_verify_mode(asio::ssl::verify_none);
        } else {
          ssl_->set_verify_mode(asio::ssl::verify_peer);
          if (!rq.ca_file.empty())
            ssl_->load_verify_file(rq.ca_file);
          else
            ssl_->set_default_verify_paths();
        }
      } catch (const boost::system::system_error& e) {
        throw ConnectError("TLS: CA file " + rq.ca_file + ": " + e.code().message(), 0);
      }
      ws_.emplace(executor_, *ssl_);
    } else {
      ws_.emplace(executor_);
    }
    auto& tcp_layer = beast::get_lowest_layer(*ws_);

    tcp::resolver resolver(executor_);
    auto [rec, endpoints] = co_await resolver.async_resolve(rq.url.host, rq.url.port, tuple_awaitable);
    if (rec) throw ConnectError("resolve " + rq.url.host + ": " + rec.message(), 0);
    tcp_layer.expires_after(rq.timeout);
    if (rq.source_address.empty()) {
      auto [cec, ep] = co_await tcp_layer.async_connect(endpoints, tuple_awaitable);
      if (cec) throw ConnectError("connect " + rq.url.host + ":" + rq.url.port + ": " + cec.message(), 0);
    } else {
      // From a given local address: each source address has its own ephemeral ports, so a
      // fleet of 50,000 sockets to one server port spreads over several loopback addresses.
      boost::system::error_code aec;
      const auto local = asio::ip::make_address(rq.source_address, aec);
      if (aec) throw ConnectError("source address " + rq.source_address + ": " + aec.message(), 0);
      const tcp::endpoint server = *endpoints.begin();
      auto& socket = tcp_layer.socket();
      socket.open(server.protocol(), aec);
#ifdef IP_BIND_ADDRESS_NO_PORT
      // The port is picked at connect(), per destination, instead of reserved at bind().
      if (!aec) {
        int one = 1;
        ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      }
#endif
      if (!aec) socket.bind(tcp::endpoint(local, 0), aec);
      if (aec) throw ConnectError("bind " + rq.source_address + ": " + aec.message(), 0);
      auto [cec] = co_await tcp_layer.async_connect(server, tuple_awaitable);
      if (cec) throw ConnectError("connect " + rq.url.host + ":" + rq.url.port + " from " + rq.source_address + ": " +
                                      cec.message(),
                                  0);
    }
    tcp_layer.socket().set_option(tcp::no_delay(true));

    if constexpr (tls) {
      auto& ssl_layer = ws_->next_layer();
      if (!SSL_set_tlsext_host_name(ssl_layer.native_handle(), rq.url.host.c_str()))
        throw ConnectError("TLS: cannot set SNI", 0);
      if (!rq.insecure) ssl_layer.set_verify_callback(asio::ssl::host_name_verification(rq.url.host));
      auto [hec] = co_await ssl_layer.async_handshake(asio::ssl::stream_base::client, tuple_awaitable);
      if (hec) throw ConnectError("TLS handshake: " + hec.message(), 0);
    }
    tcp_layer.expires_never();

    // The server pings; we only answer. No client-side idle timeout: the scenario's silent
    // period must not be cut short by our own side.
    websocket::stream_base::timeout t{};
    t.handshake_timeout = rq.timeout;
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_->set_option(t);
    ws_->read_message_max(1 << 20);
    ws_->text(true);
    const std::string protocols = join(rq.subprotocols);
    const std::string auth = rq.authorization;
    ws_->set_option(websocket::stream_base::decorator([protocols, auth](websocket::request_type& req) {
      if (!protocols.empty()) req.set(beast::http::field::sec_websocket_protocol, protocols);
      if (!auth.empty()) req.set(beast::http::field::authorization, auth);
      req.set(beast::http::field::user_agent, "evp-cp-sim");
    }));
    ws_->control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::ping && on_ping) on_ping();
    });

    websocket::response_type res;
    auto [wec] = co_await ws_->async_handshake(res, rq.url.host_header(), rq.target, tuple_awaitable);
    if (wec) {
      const int status = wec == websocket::error::upgrade_declined ? static_cast<int>(res.result_int()) : 0;
      throw ConnectError("WebSocket handshake: " + wec.message() +
                             (status ? " (HTTP " + std::to_string(status) + ")" : std::string()),
                         status);
    }
    co_return std::string(res[beast::http::field::sec_websocket_protocol]);
  }

  asio::awaitable<std::pair<boost::system::error_code, std::string>> read() override {
    buffer_.clear();
    auto [ec, n] = co_await ws_->async_read(buffer_, tuple_awaitable);
    if (ec) co_return std::pair{ec, std::string()};
    std::string text = beast::buffers_to_string(buffer_.data());
    co_return std::pair{ec, std::move(text)};
  }

  asio::awaitable<boost::system::error_code> write(std::string_view text) override {
    auto [ec, n] = co_await ws_->async_write(asio::buffer(text.data(), text.size()), tuple_awaitable);
    co_return ec;
  }

  asio::awaitable<void> close() override {
    if (!ws_ || !ws_->is_open()) co_return;
    pause(false);
    co_await ws_->async_close(websocket::close_code::normal, tuple_awaitable);
  }

  void abort() override {
    if (!ws_) return;
    pause(false);
    boost::system::error_code ec;
    beast::get_lowest_layer(*ws_).socket().close(ec);
  }

  void pause(bool paused) override {
    if (!ws_) return;
    Pausable* p;
    if constexpr (tls)
      p = &ws_->next_layer().next_layer();
    else
      p = &ws_->next_layer();
    paused ? p->pause() : p->resume();
  }

 private:
  asio::any_io_executor executor_;
  std::optional<asio::ssl::context> ssl_;  // only for wss: an SSL_CTX per plain station is waste
  std::optional<Ws> ws_;
  beast::flat_buffer buffer_;
};

}  // namespace

std::shared_ptr<Transport> make_transport(asio::any_io_executor executor, bool tls) {
  if (tls) return std::make_shared<WsTransport<TlsWs>>(executor);
  return std::make_shared<WsTransport<PlainWs>>(executor);
}

}  // namespace evp::sim::detail
