// A server with a known latency, to validate bench_open_loop: every request is answered
// --delay-ms after it arrived (a timer, so any number wait at once). With --stall-at-s A
// --stall-ms M it also stalls like a server in a long pause: a request arriving in the M ms that
// start A seconds after the first request is answered only when the stall ends. With --close 1
// each answer has no length and ends with the connection, as an HTTP/1.0 server's may.
//
//   bench_delay_server --delay-ms D [--stall-at-s A --stall-ms M] [--close 1]   (prints its port)

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Timing {
  std::chrono::milliseconds delay{0};
  std::chrono::milliseconds stall_at{0};
  std::chrono::milliseconds stall{0};
  std::optional<Clock::time_point> first;
  bool close = false;  // answers end with the connection instead of carrying a length

  // When a request that arrived at `now` is answered.
  Clock::time_point answer_at(Clock::time_point now) {
    if (!first) first = now;
    auto at = now + delay;
    auto stall_start = *first + stall_at;
    if (stall.count() > 0 && now >= stall_start && now < stall_start + stall) {
      at = std::max(at, stall_start + stall);
    }
    return at;
  }
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Timing& timing)
      : stream_(std::move(socket)), timer_(stream_.get_executor()), timing_(timing) {}

  void read() {
    request_ = {};
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code error, std::size_t) {
                       if (error) return;
                       self->wait();
                     });
  }

 private:
  void wait() {
    timer_.expires_at(timing_.answer_at(Clock::now()));
    timer_.async_wait([self = shared_from_this()](beast::error_code) { self->answer(); });
  }

  void answer() {
    response_ = {http::status::ok, request_.version()};
    response_.set(http::field::content_type, "application/json");
    response_.body() = R"({"ok":true})";
    if (timing_.close) {
      response_.keep_alive(false);  // and no Content-Length: the body ends with the connection
    } else {
      response_.keep_alive(request_.keep_alive());
      response_.prepare_payload();
    }
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code error, std::size_t) {
                        if (error) return;
                        if (!self->timing_.close) return self->read();
                        beast::error_code ignored;
                        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                        self->stream_.socket().close(ignored);
                      });
  }

  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  Timing& timing_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

void accept(tcp::acceptor& acceptor, Timing& timing) {
  acceptor.async_accept([&acceptor, &timing](beast::error_code error, tcp::socket socket) {
    if (!error) {
      socket.set_option(tcp::no_delay(true));
      std::make_shared<Session>(std::move(socket), timing)->read();
    }
    accept(acceptor, timing);
  });
}

}  // namespace

int main(int argc, char** argv) {
  Timing timing;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    auto value = std::chrono::milliseconds(
        static_cast<long long>(std::stod(argv[i + 1]) * (flag == "--stall-at-s" ? 1000 : 1)));
    if (flag == "--delay-ms") {
      timing.delay = value;
    } else if (flag == "--stall-at-s") {
      timing.stall_at = value;
    } else if (flag == "--stall-ms") {
      timing.stall = value;
    } else if (flag == "--close") {
      timing.close = std::string(argv[i + 1]) == "1";
    } else {
      std::fprintf(stderr, "bench_delay_server: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  std::printf("%u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  accept(acceptor, timing);
  io.run();
}
