#pragma once
/// Caps on open connections, in total and per source address, for a listener. Not
/// thread-safe: one per event loop. A granted Slot holds its place until destroyed.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace evp::common {

class ConnectionLimiter {
 public:
  /// 0 switches a cap off.
  ConnectionLimiter(std::size_t max_total, std::size_t max_per_address);

  class Slot {
   public:
    Slot(Slot&& o) noexcept : state_(std::move(o.state_)), address_(std::move(o.address_)) {}
    Slot& operator=(Slot&&) = delete;
    ~Slot();

   private:
    friend class ConnectionLimiter;
    struct State;
    Slot(std::shared_ptr<State> state, std::string address) : state_(std::move(state)), address_(std::move(address)) {}
    std::shared_ptr<State> state_;
    std::string address_;
  };

  enum class Refusal { None, Total, PerAddress };
  /// A slot, or nullopt when a cap is reached (`refusal` then says which). `exempt`
  /// addresses (a trusted proxy carrying many clients) only count towards the total.
  std::optional<Slot> try_open(const std::string& address, bool exempt, Refusal* refusal = nullptr);

  std::size_t open() const;
  std::uint64_t refused_total_cap() const;
  std::uint64_t refused_address_cap() const;
  std::size_t max_total() const;
  std::size_t max_per_address() const;

 private:
  std::shared_ptr<Slot::State> state_;
};

}  // namespace evp::common
