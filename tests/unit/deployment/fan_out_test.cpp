// The fan-out client (app/http/fan_out): several upstreams asked at once on its own thread, each
// answer in its call's place, a silent upstream cut off at its timeout, a refused one a 502.

#include "http/fan_out.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

// A loopback listener. Answering: every connection gets one 200 answer naming the request's
// target. Silent: connections are accepted by the kernel and never answered.
class Listener {
 public:
  explicit Listener(bool answers) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    if (answers) server_ = std::thread([this] { serve(); });
  }
  ~Listener() {
    ::shutdown(fd_, SHUT_RDWR);  // wakes a blocked accept()
    if (server_.joinable()) server_.join();
    ::close(fd_);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  std::uint16_t port() const { return port_; }
  std::string last_head() {
    std::lock_guard lock(mutex_);
    return last_head_;
  }

 private:
  void serve() {
    for (;;) {
      int connection = ::accept(fd_, nullptr, nullptr);
      if (connection < 0) return;
      std::string text;
      char chunk[4096];
      while (text.find("\r\n\r\n") == std::string::npos) {
        auto n = ::recv(connection, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        text.append(chunk, static_cast<std::size_t>(n));
      }
      {
        std::lock_guard lock(mutex_);
        last_head_ = text;
      }
      auto target = text.substr(text.find(' ') + 1);
      target = target.substr(0, target.find(' '));
      auto body = R"({"target":")" + target + R"("})";
      auto answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
      ::send(connection, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(connection);
    }
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread server_;
  std::mutex mutex_;
  std::string last_head_;
};

std::shared_ptr<const mart::http::Upstream> upstream(std::uint16_t port,
                                                     std::chrono::milliseconds timeout) {
  mart::http::Upstream u;
  u.name = "orders";
  u.host = "127.0.0.1";
  u.port = port;
  u.authority = "127.0.0.1:" + std::to_string(port);
  u.base_path = "/base";
  u.timeout = timeout;
  return std::make_shared<const mart::http::Upstream>(std::move(u));
}

mart::http::UpstreamCall call(std::uint16_t port, std::string target,
                              std::chrono::milliseconds timeout = 2s) {
  mart::http::UpstreamCall c;
  c.upstream = upstream(port, timeout);
  c.target = std::move(target);
  c.headers.add("Authorization", "Bearer abc");
  c.request_id = "rid-fan-out";
  return c;
}

std::vector<kernel::Response> send(mart::http::FanOut& fan_out,
                                   std::vector<mart::http::UpstreamCall> calls) {
  std::promise<std::vector<kernel::Response>> done;
  auto answered = done.get_future();
  fan_out.send(std::move(calls),
               [&done](std::vector<kernel::Response> responses) { done.set_value(responses); });
  REQUIRE(answered.wait_for(10s) == std::future_status::ready);
  return answered.get();
}

}  // namespace

TEST_SUITE("deployment") {
  TEST_CASE("[FanOut] answers in the calls' order: an answer, a timeout (504), a refusal (502)") {
    Listener answering(true);
    Listener silent(false);
    std::uint16_t closed = 0;
    {
      Listener gone(false);
      closed = gone.port();
    }
    mart::http::FanOut fan_out;
    auto start = std::chrono::steady_clock::now();
    auto responses = send(fan_out, {call(answering.port(), "/api/v1/admin/dead-letters?x=1"),
                                    call(silent.port(), "/a", 300ms), call(closed, "/b")});
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE(responses.size() == 3);
    CHECK(responses[0].status == 200);
    CHECK(responses[0].body == R"({"target":"/base/api/v1/admin/dead-letters?x=1"})");
    CHECK(answering.last_head().find("Authorization: Bearer abc") != std::string::npos);
    CHECK(responses[1].status == 504);
    CHECK(responses[2].status == 502);
    // Asked at once: the whole takes about the slowest upstream's timeout, not their sum.
    CHECK(took >= 300ms);
    CHECK(took < 2s);
  }

  TEST_CASE("[FanOut] no calls: done at once; after stop: 503 without asking") {
    mart::http::FanOut fan_out;
    CHECK(send(fan_out, {}).empty());
    Listener answering(true);
    fan_out.stop();
    fan_out.stop();  // idempotent
    auto responses = send(fan_out, {call(answering.port(), "/x")});
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].status == 503);
  }
}
