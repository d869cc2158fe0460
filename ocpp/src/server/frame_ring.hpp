#pragma once
// The last frames a station sent and received, for operators (the management API): a
// fixed ring per station. Slots are reused, so once full a frame costs a copy into an
// existing buffer and no allocation; frames longer than kMaxBytes are cut.
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"
#include "ocpp/central_system.hpp"

namespace evp::ocpp {

class FrameRing {
 public:
  static constexpr std::size_t kMaxBytes = 1024;

  void record(std::size_t capacity, bool incoming, std::string_view text) {
    if (capacity == 0) return;
    if (slots_.size() < capacity) {
      slots_.emplace_back();
      next_ = slots_.size() - 1;
    } else {
      next_ = (next_ + 1) % slots_.size();
    }
    FrameRecord& slot = slots_[next_];
    slot.at = common::now();
    slot.incoming = incoming;
    slot.truncated_from = text.size() > kMaxBytes ? text.size() : 0;
    std::size_t keep = std::min(text.size(), kMaxBytes);
    // Cut at a character boundary: what is kept stays valid UTF-8 (as the frame was).
    if (keep < text.size())
      while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
    slot.text.assign(text.substr(0, keep));
  }

  /// Oldest first.
  std::vector<FrameRecord> snapshot() const {
    std::vector<FrameRecord> out;
    out.reserve(slots_.size());
    for (std::size_t i = 1; i <= slots_.size(); ++i) out.push_back(slots_[(next_ + i) % slots_.size()]);
    return out;
  }

 private:
  std::vector<FrameRecord> slots_;
  std::size_t next_ = 0;  // the newest slot
};

}  // namespace evp::ocpp
