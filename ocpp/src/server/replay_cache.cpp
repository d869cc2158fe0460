#include "server/replay_cache.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace evp::ocpp::detail {

ReplayCache::Found ReplayCache::find(std::string_view message_id) const {
  for (const auto& e : entries_) {
    if (e.id != message_id) continue;
    if (e.pending) return e.pending;
    return e.answer;
  }
  return std::monostate{};
}

std::shared_ptr<ReplayCache::Pending> ReplayCache::begin(std::string message_id,
                                                         const boost::asio::any_io_executor& ex) {
  auto pending = std::make_shared<Pending>(ex);
  pending->done.expires_at(boost::asio::steady_timer::time_point::max());
  Entry entry{std::move(message_id), {}, pending};
  if (entries_.size() < capacity_) {
    entries_.push_back(std::move(entry));
  } else {
    entries_[next_] = std::move(entry);
    next_ = (next_ + 1) % capacity_;
  }
  return pending;
}

void ReplayCache::complete(const std::shared_ptr<Pending>& pending, std::string_view message_id, std::string answer) {
  pending->answer = answer;
  pending->done.cancel();
  for (auto& e : entries_) {
    if (e.id != message_id || e.pending != pending) continue;
    e.pending.reset();
    e.answer = std::move(answer);
    return;
  }
}

boost::asio::awaitable<std::string> ReplayCache::wait(std::shared_ptr<Pending> pending) {
  while (!pending->answer) co_await pending->done.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return *pending->answer;
}

}  // namespace evp::ocpp::detail
