#pragma once
// Per-station cache of the last answers to CALLs (message id -> serialized frame).
// Stations repeat a CALL with the same message id when they did not see the answer
// (reconnect, timeout); the repeat must get the same answer without running the handler
// a second time, also while the first one is still being processed.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace evp::ocpp::detail {

class ReplayCache {
 public:
  /// An answer that is being computed; waiters are woken by complete().
  struct Pending {
    explicit Pending(const boost::asio::any_io_executor& ex) : done(ex) {}
    boost::asio::steady_timer done;
    std::optional<std::string> answer;
  };
  using Found = std::variant<std::monostate, std::string, std::shared_ptr<Pending>>;

  explicit ReplayCache(std::size_t capacity = 16) : capacity_(capacity) {}

  /// The stored answer, the pending computation, or monostate when the id is new.
  Found find(std::string_view message_id) const;
  /// Records that `message_id` is being answered (evicts the oldest entry when full).
  std::shared_ptr<Pending> begin(std::string message_id, const boost::asio::any_io_executor& ex);
  /// Stores the answer and wakes anyone waiting for it (also when the entry was evicted).
  void complete(const std::shared_ptr<Pending>& pending, std::string_view message_id, std::string answer);
  /// Waits until `pending` is completed and returns its answer.
  static boost::asio::awaitable<std::string> wait(std::shared_ptr<Pending> pending);

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string id;
    std::string answer;
    std::shared_ptr<Pending> pending;  // set while the answer is being computed
  };
  std::size_t capacity_;
  std::vector<Entry> entries_;  // ring buffer, oldest at next_ once full
  std::size_t next_ = 0;
};

}  // namespace evp::ocpp::detail
