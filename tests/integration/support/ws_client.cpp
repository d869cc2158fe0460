#include "support/ws_client.hpp"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "common/base64.hpp"

namespace evp::itest {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {
struct Transport {
  virtual ~Transport() = default;
  virtual bool handshake(const std::string& path, const ConnectOptions& o, websocket::response_type& res) = 0;
  virtual void write(const std::string& text) = 0;
  virtual std::optional<std::string> read() = 0;
  virtual void close() = 0;
  virtual int close_code() = 0;
};

template <class Stream>
struct TransportOf : Transport {
  websocket::stream<Stream> ws;
  beast::flat_buffer buffer;
  template <class... A>
  explicit TransportOf(A&&... a) : ws(std::forward<A>(a)...) {}

  bool handshake(const std::string& path, const ConnectOptions& o, websocket::response_type& res) override {
    ws.set_option(websocket::stream_base::decorator([o](websocket::request_type& req) {
      if (!o.subprotocol.empty()) req.set(beast::http::field::sec_websocket_protocol, o.subprotocol);
      if (!o.user.empty())
        req.set(beast::http::field::authorization,
                "Basic " + common::base64_encode(common::as_bytes(o.user + ":" + o.password)));
    }));
    beast::error_code ec;
    ws.handshake(res, "127.0.0.1", path, ec);
    return !ec;
  }
  void write(const std::string& text) override {
    ws.text(true);
    ws.write(asio::buffer(text));
  }
  std::optional<std::string> read() override {
    beast::error_code ec;
    buffer.clear();
    ws.read(buffer, ec);
    if (ec) return std::nullopt;
    return beast::buffers_to_string(buffer.data());
  }
  void close() override {
    beast::error_code ec;
    ws.close(websocket::close_code::normal, ec);
  }
  int close_code() override { return ws.reason().code; }
};
}  // namespace

struct WsClient::Impl {
  asio::io_context io;
  asio::ssl::context ssl{asio::ssl::context::tls_client};
  std::unique_ptr<Transport> transport;
  websocket::response_type response;
  bool connected = false;
};

WsClient::WsClient(std::uint16_t port, const std::string& path, ConnectOptions o) : impl_(std::make_unique<Impl>()) {
  tcp::socket socket(impl_->io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  // Blocking reads give up after the timeout (the read then fails and receive() says so).
  timeval tv{o.receive_timeout_ms / 1000, (o.receive_timeout_ms % 1000) * 1000};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (o.tls) {
    impl_->ssl.set_verify_mode(asio::ssl::verify_peer);
    impl_->ssl.load_verify_file(o.ca_file);
    auto t = std::make_unique<TransportOf<asio::ssl::stream<tcp::socket>>>(std::move(socket), impl_->ssl);
    t->ws.next_layer().handshake(asio::ssl::stream_base::client);
    impl_->transport = std::move(t);
  } else {
    impl_->transport = std::make_unique<TransportOf<tcp::socket>>(std::move(socket));
  }
  impl_->connected = impl_->transport->handshake(path, o, impl_->response);
}

WsClient::~WsClient() = default;

bool WsClient::connected() const { return impl_->connected; }
int WsClient::http_status() const { return static_cast<int>(impl_->response.result_int()); }
std::string WsClient::selected_subprotocol() const {
  return std::string(impl_->response[beast::http::field::sec_websocket_protocol]);
}
void WsClient::send(const std::string& text) { impl_->transport->write(text); }
std::optional<std::string> WsClient::receive() { return impl_->transport->read(); }
int WsClient::close_code() const { return impl_->transport->close_code(); }
void WsClient::close() { impl_->transport->close(); }

nlohmann::json WsClient::call(const std::string& id, const std::string& action, const nlohmann::json& payload) {
  send(nlohmann::json::array({2, id, action, payload}).dump());
  auto frame = receive();
  if (!frame) return nullptr;
  return nlohmann::json::parse(*frame);
}

}  // namespace evp::itest
