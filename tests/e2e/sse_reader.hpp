#pragma once
// A Server-Sent Events client for tests: one raw loopback connection that sends a GET, reads the
// answer's head, then the body (chunked or until the close) as SSE frames. Every read is bounded
// by a timeout.

#include "http/client.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mart::test {

struct SseFrame {
  std::string id;
  std::string event;  // "message" when the frame names none
  std::string data;
};

class SseReader {
 public:
  // `receive_buffer`: SO_RCVBUF for the socket (0: the system's), small for a reader that lags.
  SseReader(std::uint16_t port, const std::string& target, const HeaderList& headers,
            int receive_buffer = 0);
  ~SseReader();
  SseReader(const SseReader&) = delete;
  SseReader& operator=(const SseReader&) = delete;

  int status() const { return status_; }
  std::string header(const std::string& lower_case_name) const;
  // The next frame (comments and retry lines skipped), or nullopt when none came in time or the
  // stream ended.
  std::optional<SseFrame> next(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Frames until `count` arrived or `timeout` passed.
  std::vector<SseFrame> take(std::size_t count, std::chrono::milliseconds timeout);
  // Reads (and drops) everything until the server closes; false when it did not in time.
  bool ends_within(std::chrono::milliseconds timeout);
  bool ended() const { return ended_; }
  std::string body_of_error() const { return text_; }  // a refused stream's body

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);
  bool decode_body();

  int fd_ = -1;
  int status_ = 0;
  std::string head_;
  bool chunked_ = false;
  bool ended_ = false;
  std::string raw_;   // bytes received, not yet decoded
  std::string text_;  // the decoded body, not yet split into frames
};

}  // namespace mart::test
