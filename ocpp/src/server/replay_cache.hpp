#pragma once
// Per-station cache of the last answers to CALLs. Stations repeat a CALL when they did not
// see the answer (reconnect, timeout); the repeat must get the same answer without running
// the handler a second time, also while the first one is still being processed.
//
// OCPP-J message ids are unique per connection only, and many stations restart their
// counter after a reboot: an id alone says nothing. An entry is therefore keyed by the
// message id AND a SHA-256 digest of the action and the canonical payload, so only the
// same CALL again is a repeat; a different CALL that reuses an id is a new call. The
// cache survives reconnects (a station re-sends what was in flight when it lost the
// connection). Answers that say "try again" (InternalError) are never kept.
#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace evp::ocpp::detail {

class ReplayCache {
 public:
  using Digest = std::array<unsigned char, 32>;
  /// SHA-256 of the action and the payload in canonical form (nlohmann::json keeps object
  /// members sorted, so equal JSON documents serialize to the same text).
  static Digest digest(std::string_view action, const nlohmann::json& payload);

  /// An answer that is being computed; waiters are woken by complete().
  struct Pending {
    explicit Pending(const boost::asio::any_io_executor& ex) : done(ex) {}
    boost::asio::steady_timer done;
    std::optional<std::string> answer;
  };
  using Found = std::variant<std::monostate, std::string, std::shared_ptr<Pending>>;

  explicit ReplayCache(std::size_t capacity = 16) : capacity_(capacity) {}

  /// The stored answer, the pending computation, or monostate when this CALL is new.
  Found find(std::string_view message_id, const Digest& digest) const;
  /// Records that this CALL is being answered (evicts the oldest entry when full).
  std::shared_ptr<Pending> begin(std::string message_id, const Digest& digest, const boost::asio::any_io_executor& ex);
  /// Wakes anyone waiting for `pending` with `answer`; keeps the answer for later repeats
  /// only when `keep` (false for transient failures, so the station's retry runs again).
  void complete(const std::shared_ptr<Pending>& pending, std::string answer, bool keep);
  /// Waits until `pending` is completed and returns its answer.
  static boost::asio::awaitable<std::string> wait(std::shared_ptr<Pending> pending);

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string id;
    Digest digest;
    std::string answer;
    std::shared_ptr<Pending> pending;  // set while the answer is being computed
  };
  std::size_t capacity_;
  // A ring in a vector: a station with few CALLs holds few entries (libstdc++'s deque
  // allocates ~576 bytes before the first); once `capacity` entries are held, a new one
  // replaces the oldest in place.
  std::vector<Entry> entries_;
  std::size_t oldest_ = 0;  // index of the oldest entry once the ring is full
};

}  // namespace evp::ocpp::detail
