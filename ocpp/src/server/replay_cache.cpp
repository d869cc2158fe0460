#include "server/replay_cache.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace evp::ocpp::detail {

namespace {
// One SHA-256 context for the loop's thread: OpenSSL 3 looks the algorithm up by name on
// every EVP_sha256() init unless it is fetched once, and that lookup (with a context
// allocation) cost more than hashing a Heartbeat's payload.
struct Sha256 {
  Sha256() : md(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx(EVP_MD_CTX_new()) {}
  ~Sha256() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  EVP_MD* md;
  EVP_MD_CTX* ctx;
};
}  // namespace

ReplayCache::Digest ReplayCache::digest(std::string_view action, const nlohmann::json& payload) {
  thread_local Sha256 sha;
  thread_local std::string text;  // reused: no allocation per CALL once it is large enough
  text.clear();
  // The action is length-prefixed so that no action/payload pair can collide with another.
  text += std::to_string(action.size());
  text += ':';
  text += action;
  // Canonical payload text, as dump() writes it (objects sorted, no spaces).
  nlohmann::detail::serializer<nlohmann::json> writer(nlohmann::detail::output_adapter<char>(text), ' ');
  writer.dump(payload, false, false, 0);
  Digest out{};
  unsigned int len = 0;
  bool ok = sha.md && sha.ctx && EVP_DigestInit_ex(sha.ctx, sha.md, nullptr) == 1 &&
            EVP_DigestUpdate(sha.ctx, text.data(), text.size()) == 1 &&
            EVP_DigestFinal_ex(sha.ctx, out.data(), &len) == 1;
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
  if (entries_.size() < capacity_) {
    entries_.push_back(Entry{std::move(message_id), digest, {}, pending});
  } else {
    // Full: the oldest slot takes the new entry (no shifting of the others).
    entries_[oldest_] = Entry{std::move(message_id), digest, {}, pending};
    oldest_ = (oldest_ + 1) % entries_.size();
  }
  return pending;
}

void ReplayCache::complete(const std::shared_ptr<Pending>& pending, std::string answer, bool keep) {
  pending->answer = answer;
  pending->done.cancel();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->pending != pending) continue;
    if (!keep) {
      // Rare (InternalError): put the ring back in age order, then remove the entry.
      const auto index = static_cast<std::size_t>(it - entries_.begin());
      const auto at = (index + entries_.size() - oldest_) % entries_.size();
      std::rotate(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(oldest_), entries_.end());
      oldest_ = 0;
      entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(at));
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
