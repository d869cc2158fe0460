#pragma once
// The bounded outgoing-frame queue of one connection. One writer drains it; a peer that
// lets it grow past the limit is too slow (or gone) and gets disconnected instead of
// growing memory without bound.
//
// Nearly always there is one frame at a time (the answer to the CALL just read), so the
// frame being written is a member and the frames behind it get a deque only when there
// are any: an idle connection holds no queue storage (libstdc++'s deque allocates ~576
// bytes even when empty).
#include <cstddef>
#include <deque>
#include <memory>
#include <string>

namespace evp::ocpp::detail {

class WriteQueue {
 public:
  explicit WriteQueue(std::size_t limit) : limit_(limit) {}

  /// Appends a frame; false (and nothing queued) when the queue already holds `limit` frames.
  bool push(std::string frame) {
    if (size() >= limit_) return false;
    if (!has_front_) {
      front_ = std::move(frame);
      has_front_ = true;
      return true;
    }
    if (!rest_) rest_ = std::make_unique<std::deque<std::string>>();
    rest_->push_back(std::move(frame));
    return true;
  }
  bool empty() const { return !has_front_; }
  std::size_t size() const { return (has_front_ ? 1 : 0) + (rest_ ? rest_->size() : 0); }
  /// The frame being written stays at the front until pop() so its buffer stays valid
  /// (frames behind it live in the deque, whose elements do not move on push_back).
  const std::string& front() const { return front_; }
  void pop() {
    if (rest_ && !rest_->empty()) {
      front_ = std::move(rest_->front());
      rest_->pop_front();
      if (rest_->empty()) rest_.reset();
      return;
    }
    has_front_ = false;
    std::string().swap(front_);  // an idle connection keeps no frame buffer
  }
  void clear() {
    has_front_ = false;
    std::string().swap(front_);
    rest_.reset();
  }

 private:
  std::size_t limit_;
  bool has_front_ = false;
  std::string front_;
  std::unique_ptr<std::deque<std::string>> rest_;
};

}  // namespace evp::ocpp::detail
