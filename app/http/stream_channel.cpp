#include "http/stream_channel.hpp"

#include <cstdio>
#include <utility>

namespace mart::http::detail {

StreamChannel::StreamChannel(bool chunked, std::size_t limit, std::function<void()> kick)
    : chunked_(chunked), limit_(limit), kick_(std::move(kick)) {}

bool StreamChannel::write(std::string_view text) {
  if (text.empty()) return open();
  bool kick = false;
  bool accepted = true;
  {
    std::lock_guard lock(mutex_);
    if (ended_) return false;
    if (queued_.size() + text.size() > limit_) {
      // Further behind than allowed: drop the reader rather than buffer without bound.
      ended_ = true;
      dropped_ = true;
      accepted = false;
      kick = true;  // even while a write is stuck: the connection is closed at once
      queued_.clear();
      queued_.shrink_to_fit();
    } else {
      if (chunked_) {
        char size[20];
        auto n = std::snprintf(size, sizeof size, "%zx\r\n", text.size());
        queued_.append(size, static_cast<std::size_t>(n));
      }
      queued_.append(text);
      if (chunked_) queued_.append("\r\n");
    }
    if (!kicked_) kicked_ = kick = true;
  }
  if (kick) kick_();
  return accepted;
}

bool StreamChannel::open() const {
  std::lock_guard lock(mutex_);
  return !ended_;
}

void StreamChannel::close() {
  bool kick = false;
  {
    std::lock_guard lock(mutex_);
    if (ended_) return;
    ended_ = closing_ = true;
    if (!kicked_) kicked_ = kick = true;
  }
  if (kick) kick_();
}

StreamChannel::Next StreamChannel::take(std::string& out) {
  std::lock_guard lock(mutex_);
  out.clear();
  if (dropped_ || finished_) {
    kicked_ = true;  // nothing more will be written: no kick needed
    return Next::finish;
  }
  if (!queued_.empty()) {
    out.swap(queued_);
    return Next::write;
  }
  if (closing_) {
    finished_ = true;
    if (chunked_) out = "0\r\n\r\n";
    return Next::finish;
  }
  kicked_ = false;  // idle: the next write kicks
  return Next::idle;
}

void StreamChannel::abandon() {
  std::lock_guard lock(mutex_);
  ended_ = true;
  finished_ = true;
  kicked_ = true;
  queued_.clear();
}

bool StreamChannel::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace mart::http::detail
