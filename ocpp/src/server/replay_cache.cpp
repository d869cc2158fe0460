#include "server/replay_cache.hpp"

#include <openssl/evp.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace evp::ocpp::detail {

ReplayCache::Digest ReplayCache::digest(std::string_view action, const nlohmann::json& payload) {
  const std::string text = payload.dump();
  Digest out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned int len = 0;
  // The action is length-prefixed so that no action/payload pair can collide with another.
  const std::string prefix = std::to_string(action.size()) + ":";
  bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, prefix.data(), prefix.size()) == 1 &&
            EVP_DigestUpdate(ctx, action.data(), action.size()) == 1 &&
            EVP_DigestUpdate(ctx, text.data(), text.size()) == 1 && EVP_DigestFinal_ex(ctx, out.data(), &len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("SHA-256 failed");
  return out;
}

ReplayCache::Found ReplayCache::find(std::string_view message_id, const Digest& digest) const {
  for (const auto& e : entries_) {
    if (e.id != message_id || e.digest != digest) continue;
    if (e.pending) return e.pending;
    return e.answer;
  }
  return std::monostate{};
}

std::shared_ptr<ReplayCache::Pending> ReplayCache::begin(std::string message_id, const Digest& digest,
                                                         const boost::asio::any_io_executor& ex) {
  auto pending = std::make_shared<Pending>(ex);
  pending->done.expires_at(boost::asio::steady_timer::time_point::max());
  if (capacity_ == 0) return pending;
  while (entries_.size() >= capacity_) entries_.pop_front();
  entries_.push_back(Entry{std::move(message_id), digest, {}, pending});
  return pending;
}

void ReplayCache::complete(const std::shared_ptr<Pending>& pending, std::string answer, bool keep) {
  pending->answer = answer;
  pending->done.cancel();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->pending != pending) continue;
    if (!keep) {
      entries_.erase(it);
      return;
    }
    it->pending.reset();
    it->answer = std::move(answer);
    return;
  }
}

boost::asio::awaitable<std::string> ReplayCache::wait(std::shared_ptr<Pending> pending) {
  while (!pending->answer) co_await pending->done.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return *pending->answer;
}

}  // namespace evp::ocpp::detail
