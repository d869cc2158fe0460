#pragma once
// A tiny OCPP 1.6J central system for the simulator's unit tests: a real Beast WebSocket
// server on 127.0.0.1 that answers station CALLs with fixed, valid payloads, records what
// it received and can call the station. It is a test fake for the *peer* of the component
// under test, not a stand-in for the server (the integration tests use the real one).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace evp::sim::test {

using Json = nlohmann::json;

struct Received {
  std::string action;
  Json payload;
};

class FakeCentralSystem {
 public:
  explicit FakeCentralSystem(boost::asio::io_context& io);
  ~FakeCentralSystem();

  unsigned short port() const;
  std::string url() const;  ///< ws://127.0.0.1:PORT/ocpp

  /// Basic auth password required from every station (empty: none).
  std::string password;
  /// Actions left unanswered (for timeout tests).
  std::set<std::string> ignore;
  /// Delay before answering, so concurrent calls would overlap if the client allowed it.
  int answer_delay_ms = 0;

  const std::vector<Received>& received() const;
  std::size_t count(const std::string& action) const;
  std::size_t connections() const;
  std::size_t max_in_flight() const;  ///< most CALLs from one station awaiting an answer at once
  std::size_t pongs() const;
  /// Raw frames that failed to parse as a CALL.
  const std::vector<std::string>& bad_frames() const;

  /// CALL to the most recent station; returns the CALLRESULT payload, or the CALLERROR as
  /// {"error": code}. Throws on timeout.
  boost::asio::awaitable<Json> call(std::string action, Json payload);
  /// Sends a WebSocket ping to the most recent station.
  boost::asio::awaitable<void> ping();
  /// Waits until `action` has been received `n` times or `timeout_ms` passes.
  boost::asio::awaitable<bool> wait_for(std::string action, std::size_t n, int timeout_ms);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace evp::sim::test
