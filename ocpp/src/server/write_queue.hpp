#pragma once
// The bounded outgoing-frame queue of one connection. One writer drains it; a peer that
// lets it grow past the limit is too slow (or gone) and gets disconnected instead of
// growing memory without bound.
#include <cstddef>
#include <deque>
#include <string>

namespace evp::ocpp::detail {

class WriteQueue {
 public:
  explicit WriteQueue(std::size_t limit) : limit_(limit) {}

  /// Appends a frame; false (and nothing queued) when the queue already holds `limit` frames.
  bool push(std::string frame) {
    if (frames_.size() >= limit_) return false;
    frames_.push_back(std::move(frame));
    return true;
  }
  bool empty() const { return frames_.empty(); }
  std::size_t size() const { return frames_.size(); }
  /// The frame being written stays at the front until pop() so its buffer stays valid.
  const std::string& front() const { return frames_.front(); }
  void pop() {
    frames_.pop_front();
    // An idle connection should not keep the deque's block around.
    if (frames_.empty()) std::deque<std::string>().swap(frames_);
  }
  void clear() { std::deque<std::string>().swap(frames_); }

 private:
  std::size_t limit_;
  std::deque<std::string> frames_;
};

}  // namespace evp::ocpp::detail
