#include "fake_central_system.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <stdexcept>

#include "common/base64.hpp"

namespace evp::sim::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

struct Session {
  explicit Session(tcp::socket s) : ws(std::move(s)) {}
  websocket::stream<beast::tcp_stream> ws;
  std::deque<std::string> out;
  bool writing = false;
  bool open = true;
  std::size_t in_flight = 0;
};

struct FakeCentralSystem::State {
  explicit State(asio::io_context& io) : io(io), acceptor(io, {asio::ip::make_address("127.0.0.1"), 0}) {}
  asio::io_context& io;
  tcp::acceptor acceptor;
  std::vector<Received> received;
  std::vector<std::string> bad_frames;
  std::size_t connections = 0, max_in_flight = 0, pongs = 0;
  std::int64_t next_tx = 100;
  std::shared_ptr<Session> current;
  std::uint64_t next_call = 1;
  std::map<std::string, Json> replies;  // CALLs we sent, answered
  FakeCentralSystem* owner = nullptr;
};

namespace {

Json answer(FakeCentralSystem::State& st, const std::string& action, const Json& payload) {
  const std::string now = "2024-05-01T10:00:00.000Z";
  if (action == "BootNotification") return {{"status", "Accepted"}, {"currentTime", now}, {"interval", 300}};
  if (action == "Heartbeat") return {{"currentTime", now}};
  if (action == "Authorize")
    return {{"idTagInfo", {{"status", payload.value("idTag", "") == "BAD" ? "Invalid" : "Accepted"}}}};
  if (action == "StartTransaction")
    return {{"transactionId", st.next_tx++},
            {"idTagInfo", {{"status", payload.value("idTag", "") == "BAD" ? "Invalid" : "Accepted"}}}};
  if (action == "StopTransaction") return Json::object();
  if (action == "StatusNotification" || action == "MeterValues" || action == "DiagnosticsStatusNotification" ||
      action == "FirmwareStatusNotification")
    return Json::object();
  if (action == "DataTransfer") return {{"status", "Accepted"}};
  throw std::invalid_argument(action);
}

void send(std::shared_ptr<FakeCentralSystem::State> st, std::shared_ptr<Session> s, std::string frame) {
  if (!s->open) return;
  s->out.push_back(std::move(frame));
  if (s->writing) return;
  s->writing = true;
  asio::co_spawn(
      st->io,
      [](std::shared_ptr<Session> s) -> asio::awaitable<void> {
        while (!s->out.empty()) {
          auto f = std::move(s->out.front());
          s->out.pop_front();
          auto [ec, n] = co_await s->ws.async_write(asio::buffer(f), tuple_awaitable);
          if (ec) break;
        }
        s->writing = false;
      }(s),
      asio::detached);
}

asio::awaitable<void> handle_station_call(std::shared_ptr<FakeCentralSystem::State> st, std::shared_ptr<Session> s,
                                          std::string id, std::string action, Json payload, int delay_ms, bool ignore) {
  ++s->in_flight;
  st->max_in_flight = std::max(st->max_in_flight, s->in_flight);
  st->received.push_back({action, payload});
  if (delay_ms > 0) {
    asio::steady_timer t(st->io, std::chrono::milliseconds(delay_ms));
    co_await t.async_wait(tuple_awaitable);
  }
  --s->in_flight;
  if (ignore) co_return;
  std::string frame;
  try {
    frame = Json::array({3, id, answer(*st, action, payload)}).dump();
  } catch (const std::invalid_argument&) {
    frame = Json::array({4, id, "NotImplemented", "unknown action", Json::object()}).dump();
  }
  send(st, s, std::move(frame));
}

asio::awaitable<void> run_session(std::shared_ptr<FakeCentralSystem::State> st, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buf;
  http::request<http::string_body> req;
  auto [rec, rn] = co_await http::async_read(stream, buf, req, tuple_awaitable);
  if (rec) co_return;
  if (!st->owner->password.empty()) {
    const std::string expected =
        "Basic " + common::base64_encode(common::as_bytes(
                       std::string(req.target().substr(req.target().rfind('/') + 1)) + ":" + st->owner->password));
    if (req[http::field::authorization] != expected) {
      http::response<http::string_body> res{http::status::unauthorized, req.version()};
      res.set(http::field::www_authenticate, "Basic realm=\"ocpp\"");
      res.prepare_payload();
      co_await http::async_write(stream, res, tuple_awaitable);
      co_return;
    }
  }
  const bool offers_ocpp = std::string(req[http::field::sec_websocket_protocol]).find("ocpp1.6") != std::string::npos;
  auto s = std::make_shared<Session>(stream.release_socket());
  s->ws.set_option(websocket::stream_base::decorator([offers_ocpp](websocket::response_type& res) {
    if (offers_ocpp) res.set(http::field::sec_websocket_protocol, "ocpp1.6");
  }));
  // A weak reference: the state holds the current session, the session must not hold the
  // state (the cycle leaked both, found by LeakSanitizer).
  s->ws.control_callback(
      [weak = std::weak_ptr<FakeCentralSystem::State>(st)](websocket::frame_type kind, beast::string_view) {
        if (auto st = weak.lock(); st && kind == websocket::frame_type::pong) ++st->pongs;
      });
  auto [aec] = co_await s->ws.async_accept(req, tuple_awaitable);
  if (aec) co_return;
  ++st->connections;
  st->current = s;
  for (;;) {
    beast::flat_buffer in;
    auto [ec, n] = co_await s->ws.async_read(in, tuple_awaitable);
    if (ec) break;
    std::string text = beast::buffers_to_string(in.data());
    Json msg = Json::parse(text, nullptr, false);
    if (msg.is_discarded() || !msg.is_array() || msg.size() < 3 || !msg[1].is_string()) {
      st->bad_frames.push_back(text);
      send(st, s, Json::array({4, "-1", "FormationViolation", "not an OCPP-J frame", Json::object()}).dump());
      continue;
    }
    if (msg[0] == 2 && msg.size() == 4 && msg[2].is_string()) {
      const std::string action = msg[2];
      asio::co_spawn(st->io,
                     handle_station_call(st, s, msg[1], action, msg[3], st->owner->answer_delay_ms,
                                         st->owner->ignore.contains(action)),
                     asio::detached);
    } else if (msg[0] == 3) {
      st->replies[msg[1]] = msg[2];
    } else if (msg[0] == 4) {
      st->replies[msg[1]] = Json{{"error", msg[2]}};
    } else {
      st->bad_frames.push_back(text);
    }
  }
  s->open = false;
}

asio::awaitable<void> accept_loop(std::shared_ptr<FakeCentralSystem::State> st) {
  for (;;) {
    auto [ec, socket] = co_await st->acceptor.async_accept(tuple_awaitable);
    if (ec) co_return;
    asio::co_spawn(st->io, run_session(st, std::move(socket)), asio::detached);
  }
}

}  // namespace

FakeCentralSystem::FakeCentralSystem(asio::io_context& io) : state_(std::make_shared<State>(io)) {
  state_->owner = this;
  asio::co_spawn(io, accept_loop(state_), asio::detached);
}

FakeCentralSystem::~FakeCentralSystem() {
  boost::system::error_code ec;
  state_->acceptor.close(ec);
  if (state_->current) beast::get_lowest_layer(state_->current->ws).close();
  state_->current.reset();
}

unsigned short FakeCentralSystem::port() const { return state_->acceptor.local_endpoint().port(); }
std::string FakeCentralSystem::url() const { return "ws://127.0.0.1:" + std::to_string(port()) + "/ocpp"; }
const std::vector<Received>& FakeCentralSystem::received() const { return state_->received; }
std::size_t FakeCentralSystem::count(const std::string& action) const {
  std::size_t n = 0;
  for (const auto& r : state_->received) n += r.action == action;
  return n;
}
std::size_t FakeCentralSystem::connections() const { return state_->connections; }
std::size_t FakeCentralSystem::max_in_flight() const { return state_->max_in_flight; }
std::size_t FakeCentralSystem::pongs() const { return state_->pongs; }
const std::vector<std::string>& FakeCentralSystem::bad_frames() const { return state_->bad_frames; }

asio::awaitable<Json> FakeCentralSystem::call(std::string action, Json payload) {
  auto s = state_->current;
  if (!s) throw std::runtime_error("no station connected");
  const std::string id = "cs-" + std::to_string(state_->next_call++);
  send(state_, s, Json::array({2, id, action, payload}).dump());
  for (int i = 0; i < 500; ++i) {
    if (auto it = state_->replies.find(id); it != state_->replies.end()) co_return it->second;
    asio::steady_timer t(state_->io, std::chrono::milliseconds(10));
    co_await t.async_wait(tuple_awaitable);
  }
  throw std::runtime_error("station did not answer " + action);
}

asio::awaitable<void> FakeCentralSystem::ping() {
  auto s = state_->current;
  if (!s) throw std::runtime_error("no station connected");
  // Not through the write queue: Beast allows a ping next to a pending write only via
  // async_ping, which it serialises itself.
  co_await s->ws.async_ping({}, tuple_awaitable);
}

asio::awaitable<bool> FakeCentralSystem::wait_for(std::string action, std::size_t n, int timeout_ms) {
  for (int waited = 0; waited <= timeout_ms; waited += 10) {
    if (count(action) >= n) co_return true;
    asio::steady_timer t(state_->io, std::chrono::milliseconds(10));
    co_await t.async_wait(tuple_awaitable);
  }
  co_return false;
}

}  // namespace evp::sim::test
