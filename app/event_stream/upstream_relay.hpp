#pragma once
// Split mode: the live event stream of a process with upstreams covers the whole deployment. Each
// upstream process's own stream (asked with scope=local) is read by a relay and its frames are
// written into the client's stream, whole, beside the local tap's. An upstream that cannot be
// read is named in the stream (event mart.unavailable) and asked again every few seconds,
// resuming after the last event it gave.

#include <kernel/http.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mart::event_stream {

struct RelayTarget {
  std::string url;  // "http://host:port[/base]", as the answer names it
  std::string host;
  std::uint16_t port = 80;
  std::string authority;
  std::string base_path;
  std::vector<std::string> modules;  // hosted there
};

struct RelayRequest {
  std::string query;        // the client's filter, e.g. "types=a&source=b" (already encoded), or ""
  kernel::Headers headers;  // sent on: Authorization, traceparent
  std::optional<std::string> last_event_id;
  std::optional<std::string> since;  // RFC 3339: where to resume when the id is not theirs
};

class UpstreamRelays {
 public:
  UpstreamRelays() = default;
  ~UpstreamRelays();
  UpstreamRelays(const UpstreamRelays&) = delete;
  UpstreamRelays& operator=(const UpstreamRelays&) = delete;

  // One relay per target into `writer`, until the writer ends or stop().
  void start(const std::vector<RelayTarget>& targets, const RelayRequest& request,
             const std::shared_ptr<kernel::StreamWriter>& writer);
  // Ends every relay and joins their threads.
  void stop();

  // When each relayed event occurred (its id → "time"), for the resume of a merged stream: the
  // owner of an id resumes after it, the others from its time.
  std::optional<std::string> time_of(const std::string& event_id) const;

 private:
  void relay(const RelayTarget& target, RelayRequest request,
             std::shared_ptr<kernel::StreamWriter> writer);
  void remember(std::string id, std::string time);
  bool stopping() const { return stopping_.load(); }

  std::atomic<bool> stopping_{false};
  std::size_t started_ = 0;  // relays started so far, to number their threads (under mutex_)
  mutable std::mutex mutex_;
  std::condition_variable stopped_;
  std::list<std::thread> threads_;
  std::list<std::thread::id> finished_;
  std::deque<std::pair<std::string, std::string>> recent_;  // id, time
};

}  // namespace mart::event_stream
