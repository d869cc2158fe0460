#pragma once
// The whole system as a user meets it: a scratch PostgreSQL database migrated by
// `evpower migrate`, the push receiver (a browser's push service) on free loopback ports,
// VAPID keys from `evpower vapid-keygen`, and `evpower serve` trusting the receiver's
// certificate - plus the calls a PWA, a payment provider and an operator make.
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/testing.hpp"
#include "evp/testing/receiver.hpp"
#include "evp/testing/run.hpp"
#include "evp/testing/server.hpp"
#include "http_client.hpp"

namespace evp::e2e {

using Json = nlohmann::json;
using testing::EnvMap;
using testing::Loop;
using testing::run_command;
using testing::server_binary;

struct StackOptions {
  /// Added to (and overriding) the server's environment.
  EnvMap env;
  /// Start the push receiver and switch push on (VAPID keys, CA file).
  bool push = true;
  /// LOG_LEVEL of the server (debug logs every OCPP frame: handy when a case fails).
  std::string log_level = "debug";
  /// synchronous_commit = off on the scratch database (benchmarks: separates the server's
  /// latency from the disk's fsync latency; never for the tests).
  bool async_commit = false;
  /// Extra arguments for the push receiver (e.g. "--keep-messages", "100000", "--quiet").
  std::vector<std::string> receiver_args;
};

std::string random_uuid();
/// 'text' as an SQL literal.
std::string sql_quote(const std::string& text);

class Stack {
 public:
  static constexpr const char* kJwtSecret = "e2e-jwt-secret-0123456789abcdef0123456789";
  static constexpr const char* kWebhookSecret = "e2e-webhook-secret-fedcba9876543210";

  explicit Stack(StackOptions options = {});
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  Loop& loop() { return *loop_; }
  const db::testing::TempDatabase& db() const { return *db_; }
  std::string ocpp_url() const;  ///< ws://127.0.0.1:PORT/ocpp (the simulator appends /<id>)
  std::uint16_t rest_port() const { return rest_port_; }
  testing::Server& server() { return *server_; }
  /// A crash: SIGKILL to the server, nothing of its shutdown runs. Returns its exit status.
  int kill_server();
  /// Starts `evpower serve` again with the same environment and the same ports (stations
  /// reconnect to the same address), as a supervisor restarts a crashed service.
  void restart_server();
  /// The push receiver (the browsers' push service) crashes, and comes back on the same
  /// ports with the same subscriptions and certificate.
  int kill_receiver();
  void restart_receiver();
  /// GET /metrics of the running server, as text.
  std::string metrics();
  /// POST /control to the push receiver (failure modes; see docs/PUSH_RECEIVER.md).
  Json receiver_control(const Json& faults);
  /// The server's stderr (tail) and the receiver's, for failure messages.
  std::string logs() const;
  const std::string& dir() const { return dir_; }

  // --- set-up, as an operator would: SQL for users and locations, the CLI for stations
  std::string add_client(const std::string& name, const std::string& balance = "0.00");
  std::string add_owner(const std::string& name);
  std::string add_location(const std::string& owner_id, const std::string& name);
  void add_station(const std::string& id, const std::string& display_name, const std::string& price,
                   const std::string& location_id);

  /// `evpower <args...>` against this stack's database, as an operator types it: exit
  /// status and stdout (stderr appended when it fails).
  std::pair<int, std::string> cli(std::vector<std::string> args);

  // --- REST, as the PWA calls it
  std::string token(const std::string& user_id) const;
  HttpResponse request(boost::beast::http::verb method, const std::string& target, std::string body, Headers headers);
  HttpResponse get(const std::string& target, const std::string& token);
  HttpResponse post(const std::string& target, const Json& body, const std::string& token);
  HttpResponse put(const std::string& target, const Json& body, const std::string& token);
  /// The payment provider: body signed with the webhook secret (or `signature` when given).
  HttpResponse webhook(const std::string& body, std::optional<std::string> signature = std::nullopt);
  /// POST /api/v1/notifications/subscribe with a receiver subscription; returns the answer.
  HttpResponse subscribe(const std::string& token, const Json& subscription, const std::string& user_type = {});

  // --- the push receiver, standing in for the browser
  /// A fresh browser PushSubscription ({endpoint, expirationTime, keys}).
  Json new_subscription();
  /// Decrypted payloads (parsed JSON) delivered to `subscription`, oldest first.
  std::vector<Json> received(const Json& subscription);
  /// Every message the receiver accepted, as GET /messages lists them.
  Json all_messages();
  /// No outbox row is waiting or in flight: everything queued so far has been attempted
  /// to completion (sent, failed or expired).
  bool outbox_settled() const;
  /// SELECT count(*) of the outbox rows of `event_type` in a final state other than sent.
  std::string undelivered(const std::string& event_type) const;

 private:
  HttpResponse send_json(boost::beast::http::verb method, const std::string& target, const Json& body,
                         const std::string& token);
  void connect_api();
  void connect_receiver();

  std::string dir_;
  std::unique_ptr<Loop> loop_;
  std::unique_ptr<db::testing::TempDatabase> db_;
  std::unique_ptr<testing::Receiver> receiver_;
  std::unique_ptr<testing::Server> server_;
  std::unique_ptr<HttpClient> api_, receiver_http_;
  EnvMap env_;
  std::uint16_t rest_port_ = 0;
};

/// Polls `done` (every 50 ms) until it returns true or `limit` passes; returns the last
/// result. For state that arrives asynchronously; never used to assert that time passed.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(60));

/// Subscription id of a receiver endpoint ("https://127.0.0.1:P/push/<id>" -> "<id>").
std::string subscription_id(const Json& subscription);

}  // namespace evp::e2e
