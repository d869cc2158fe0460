#include "common/connection_limit.hpp"

namespace evp::common {

struct ConnectionLimiter::Slot::State {
  std::size_t max_total = 0, max_per_address = 0;
  std::size_t open = 0;
  std::unordered_map<std::string, std::size_t> per_address;
  std::uint64_t refused_total = 0, refused_address = 0;
};

ConnectionLimiter::Slot::~Slot() {
  if (!state_) return;
  --state_->open;
  if (address_.empty()) return;
  auto it = state_->per_address.find(address_);
  if (it != state_->per_address.end() && --it->second == 0) state_->per_address.erase(it);
}

ConnectionLimiter::ConnectionLimiter(std::size_t max_total, std::size_t max_per_address)
    : state_(std::make_shared<Slot::State>()) {
  state_->max_total = max_total;
  state_->max_per_address = max_per_address;
}

std::optional<ConnectionLimiter::Slot> ConnectionLimiter::try_open(const std::string& address, bool exempt,
                                                                   Refusal* refusal) {
  auto& s = *state_;
  if (refusal) *refusal = Refusal::None;
  if (s.max_total != 0 && s.open >= s.max_total) {
    ++s.refused_total;
    if (refusal) *refusal = Refusal::Total;
    return std::nullopt;
  }
  const bool per_address = s.max_per_address != 0 && !exempt;
  if (per_address) {
    auto it = s.per_address.find(address);
    if (it != s.per_address.end() && it->second >= s.max_per_address) {
      ++s.refused_address;
      if (refusal) *refusal = Refusal::PerAddress;
      return std::nullopt;
    }
    ++s.per_address[address];
  }
  ++s.open;
  return Slot(state_, per_address ? address : std::string());
}

std::size_t ConnectionLimiter::open() const { return state_->open; }
std::uint64_t ConnectionLimiter::refused_total_cap() const { return state_->refused_total; }
std::uint64_t ConnectionLimiter::refused_address_cap() const { return state_->refused_address; }
std::size_t ConnectionLimiter::max_total() const { return state_->max_total; }
std::size_t ConnectionLimiter::max_per_address() const { return state_->max_per_address; }

}  // namespace evp::common
