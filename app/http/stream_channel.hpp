#pragma once
// Private to app/http: the body of a streamed answer (kernel::Response::stream) between its
// producer (any thread) and the connection that writes it (its I/O thread). What the producer
// writes is queued here, framed as HTTP/1.1 chunks (or raw for HTTP/1.0, ended by the close);
// the connection takes it in one piece per write. The queue is bounded: a producer that gets
// further ahead of the client than the limit ends the stream (the slow reader is dropped, the
// producer is never slowed).

#include <kernel/http.hpp>

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace mart::http::detail {

class StreamChannel final : public kernel::StreamWriter {
 public:
  // `kick` asks the connection to write (posts to its I/O thread); it is called at most once
  // until the connection next takes what is queued.
  StreamChannel(bool chunked, std::size_t limit, std::function<void()> kick);

  bool write(std::string_view text) override;
  bool open() const override;
  void close() override;

  // The connection's side (its I/O thread).
  enum class Next { write, finish, idle };
  // Moves what is queued into `out` (framed). `finish`: the producer closed and everything was
  // taken: `out` holds the stream's end (the last chunk) and the connection closes after it.
  Next take(std::string& out);
  // The connection is gone (client closed, a write failed, the server stops).
  void abandon();
  bool dropped() const;

 private:
  const bool chunked_;
  const std::size_t limit_;
  const std::function<void()> kick_;
  mutable std::mutex mutex_;
  std::string queued_;
  bool kicked_ = false;   // a kick is on its way or the connection is writing
  bool ended_ = false;    // no more writes accepted
  bool closing_ = false;  // ended by the producer: send what is queued, then the end
  bool finished_ = false;
  bool dropped_ = false;
};

}  // namespace mart::http::detail
