#pragma once
// The push receiver's state and request handling, independent of the transport: the
// HTTP/2 and HTTP/1.1 sessions turn their requests into `Request` and send back `Response`.
// Single-threaded (one io_context), so no locking.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/time.hpp"
#include "push/crypto.hpp"

namespace evp::push_receiver {

/// The parts of an HTTP request the receiver looks at. Header values are empty when absent.
struct Request {
  std::string method;
  std::string path;
  std::string protocol;  ///< "h2" or "http/1.1"
  bool tls = false;
  bool has_ttl = false;
  std::string ttl, content_encoding, authorization, urgency, topic;
  std::string body;
  bool body_too_large = false;  ///< the transport stopped buffering (body above kMaxBody)
};

/// Largest request body the transports buffer; anything above is answered 413 unread.
inline constexpr std::size_t kMaxBody = 64 * 1024;

struct Response {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};  ///< the transport waits this long before answering
};

/// Failure modes injected on demand (CLI flags and POST /control).
struct Faults {
  std::set<std::string> gone;       ///< subscription ids answered 410
  std::uint64_t throttle_next = 0;  ///< the next K push requests get 429
  unsigned retry_after = 5;         ///< seconds, for 429
  double error_rate = 0;            ///< probability of a 500
  std::chrono::milliseconds delay{0};
  /// A misbehaving service: sent verbatim as the Retry-After of a 429 instead of
  /// `retry_after` (e.g. "99999999999999999999"), and as the body of every injected 429 and
  /// 500 (any bytes: NUL, invalid UTF-8, megabytes of it).
  std::string retry_after_raw;
  std::optional<std::string> error_body;
};

struct Options {
  std::string public_host = "127.0.0.1";
  unsigned tls_port = 0;
  unsigned http_port = 0;  ///< 0: no plain listener
  std::size_t keep_messages = 10000;
  bool log_messages = true;
  /// Subscriptions (with their private keys) and accepted messages are appended here and
  /// loaded at start, so a receiver killed and started again keeps both, as a push
  /// service does.
  std::string state_file;
};

class Receiver {
 public:
  explicit Receiver(Options options);
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  /// Creates a subscription; `application_server_key` (base64url, may be empty) is then
  /// required as the VAPID `k` of every push to it, as FCM does. Returns the PushSubscription JSON.
  nlohmann::json subscribe(std::string_view application_server_key = {});
  Response handle(const Request& req);

  Faults& faults() { return faults_; }
  /// Loads the subscriptions and accepted messages of options.state_file (after set_ports:
  /// endpoints name the ports) and appends to it from then on. Returns how many
  /// subscriptions.
  std::size_t load_state();
  /// Called once the listeners know their ports (port 0 picks one).
  void set_ports(unsigned tls_port, unsigned http_port);
  std::string endpoint_base() const;  ///< https://host:port

 private:
  struct Subscription {
    std::string id;
    evp::push::KeyPair key;
    evp::push::Bytes auth;
    std::string required_k;
    nlohmann::json json;
  };
  struct Message {
    std::uint64_t seq;
    std::string subscription;
    std::string payload;
    std::string ttl, urgency, topic, protocol;
    evp::common::TimePoint time;  // formatted only when listed
  };

  Response push(const Request& req, std::string_view id);
  Response control(const Request& req);
  Response messages_json() const;
  /// Empty when the Authorization header is acceptable for `sub`, else the failure response.
  std::optional<Response> check_vapid(const Request& req, const Subscription& sub);
  bool audience_ok(std::string_view aud) const;
  nlohmann::json stats() const;
  nlohmann::json faults_json() const;

  Options options_;
  // Derived from options_ in set_ports(), so a push does not rebuild them.
  std::string endpoint_base_;
  std::vector<std::string> audiences_;
  Faults faults_;
  std::unordered_map<std::string, Subscription> subscriptions_;
  std::deque<Message> messages_;
  std::uint64_t next_subscription_ = 1;
  std::uint64_t next_message_ = 1;
  std::map<unsigned, std::uint64_t> status_counts_;
  // Signatures already verified, by exact token text: a sender reuses one JWT per audience
  // for hours, and real services cache too. Expiry is still checked on every request.
  std::unordered_map<std::string, evp::push::VapidClaims> verified_;
  std::mt19937_64 rng_{std::random_device{}()};
  int state_fd_ = -1;  // options_.state_file, O_APPEND
};

}  // namespace evp::push_receiver
