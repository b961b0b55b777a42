#include "event_stream/upstream_relay.hpp"

#include <kernel/log.hpp>
#include <kernel/thread_name.hpp>
#include <kernel/unique_fd.hpp>

#include <boost/algorithm/string/predicate.hpp>
#include <boost/json/serialize.hpp>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace mart::event_stream {
namespace {

constexpr std::chrono::milliseconds kConnectTimeout{2'000};
constexpr std::chrono::milliseconds kHeadTimeout{5'000};
constexpr std::chrono::milliseconds kPollInterval{250};
constexpr std::chrono::milliseconds kRetryAfter{2'000};
constexpr std::size_t kRememberedTimes = 10'000;
constexpr std::size_t kMaxFrame = std::size_t{4} << 20;

using Socket = kernel::UniqueFd;  // a connected socket

// Connects within kConnectTimeout; throws std::runtime_error with the reason.
Socket connect_to(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  auto service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    throw std::runtime_error(std::string("cannot resolve ") + host + ": " + ::gai_strerror(rc));
  }
  std::string error = "no address";
  for (auto* a = found; a; a = a->ai_next) {
    Socket socket(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!socket) continue;
    if (::connect(socket.get(), a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      error = std::strerror(errno);
      continue;
    }
    pollfd p{socket.get(), POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(kConnectTimeout.count())) <= 0) {
      error = "connect timed out";
      continue;
    }
    int so_error = 0;
    socklen_t length = sizeof so_error;
    ::getsockopt(socket.get(), SOL_SOCKET, SO_ERROR, &so_error, &length);
    if (so_error != 0) {
      error = std::strerror(so_error);
      continue;
    }
    ::freeaddrinfo(found);
    return socket;
  }
  ::freeaddrinfo(found);
  throw std::runtime_error(error);
}

void send_all(int fd, const std::string& text) {
  std::size_t sent = 0;
  while (sent < text.size()) {
    auto n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(kHeadTimeout.count())) <= 0) {
        throw std::runtime_error("send timed out");
      }
      continue;
    }
    if (n <= 0) throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
}

// Reads what is there within `wait`: false at the end of the stream (or an error).
bool receive(int fd, std::string& into, std::chrono::milliseconds wait) {
  pollfd p{fd, POLLIN, 0};
  auto ready = ::poll(&p, 1, static_cast<int>(wait.count()));
  if (ready == 0) return true;
  if (ready < 0) return false;
  char buffer[16384];
  auto n = ::recv(fd, buffer, sizeof buffer, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
  if (n <= 0) return false;
  into.append(buffer, static_cast<std::size_t>(n));
  return true;
}

// The value of the named field in an SSE frame's lines ("" when absent).
std::string field_of(std::string_view frame, std::string_view name) {
  for (std::size_t at = 0; at < frame.size();) {
    auto stop = frame.find('\n', at);
    auto line = frame.substr(at, stop == std::string_view::npos ? frame.npos : stop - at);
    if (line.starts_with(name) && line.size() > name.size() && line[name.size()] == ':') {
      auto value = line.substr(name.size() + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      return std::string(value);
    }
    if (stop == std::string_view::npos) break;
    at = stop + 1;
  }
  return "";
}

std::string quoted(std::string_view text) {
  return boost::json::serialize(boost::json::string_view(text.data(), text.size()));
}

}  // namespace

UpstreamRelays::~UpstreamRelays() {
  stop();
}

void UpstreamRelays::start(const std::vector<RelayTarget>& targets, const RelayRequest& request,
                           const std::shared_ptr<kernel::StreamWriter>& writer) {
  std::lock_guard lock(mutex_);
  // Join the relays that ended since (their writer ended).
  for (auto it = threads_.begin(); it != threads_.end();) {
    auto done = std::find(finished_.begin(), finished_.end(), it->get_id());
    if (done != finished_.end()) {
      it->join();
      finished_.erase(done);
      it = threads_.erase(it);
    } else {
      ++it;
    }
  }
  if (stopping()) return;
  for (const auto& target : targets) {
    threads_.emplace_back([this, target, request, writer] {
      kernel::name_this_thread("relay-" + target.url.substr(target.url.rfind(':') + 1));
      try {
        relay(target, request, writer);
      } catch (const std::exception& error) {
        kernel::log::warn("event-stream", "relay from " + target.url + " failed: " + error.what());
      }
      std::lock_guard done(mutex_);
      finished_.push_back(std::this_thread::get_id());
    });
  }
}

void UpstreamRelays::stop() {
  stopping_ = true;
  stopped_.notify_all();
  std::list<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    threads.swap(threads_);
  }
  for (auto& thread : threads) thread.join();
  std::lock_guard lock(mutex_);
  finished_.clear();
}

std::optional<std::string> UpstreamRelays::time_of(const std::string& event_id) const {
  std::lock_guard lock(mutex_);
  for (auto it = recent_.rbegin(); it != recent_.rend(); ++it) {
    if (it->first == event_id) return it->second;
  }
  return std::nullopt;
}

void UpstreamRelays::remember(std::string id, std::string time) {
  std::lock_guard lock(mutex_);
  recent_.emplace_back(std::move(id), std::move(time));
  if (recent_.size() > kRememberedTimes) recent_.pop_front();
}

void UpstreamRelays::relay(const RelayTarget& target, RelayRequest request,
                           std::shared_ptr<kernel::StreamWriter> writer) {
  while (!stopping() && writer->open()) {
    std::string error;
    try {
      auto socket = connect_to(target.host, target.port);
      std::string get = "GET " + target.base_path + "/api/v1/admin/events/stream?scope=local";
      if (!request.query.empty()) get += "&" + request.query;
      if (request.since) get += "&since=" + *request.since;
      get += " HTTP/1.1\r\nHost: " + target.authority + "\r\nAccept: text/event-stream\r\n";
      for (const auto& [name, value] : request.headers.all()) get += name + ": " + value + "\r\n";
      if (request.last_event_id) get += "Last-Event-ID: " + *request.last_event_id + "\r\n";
      get += "\r\n";
      send_all(socket.get(), get);

      std::string raw;
      auto deadline = std::chrono::steady_clock::now() + kHeadTimeout;
      while (raw.find("\r\n\r\n") == std::string::npos) {
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("no answer");
        if (!receive(socket.get(), raw, kPollInterval)) throw std::runtime_error("closed");
        if (stopping() || !writer->open()) return;
      }
      auto head_end = raw.find("\r\n\r\n");
      auto head = raw.substr(0, head_end + 2);
      raw.erase(0, head_end + 4);
      auto status = head.size() > 12 ? head.substr(9, 3) : std::string("???");
      if (status != "200") throw std::runtime_error("answered HTTP " + status);
      bool chunked = false;
      for (std::size_t at = head.find("\r\n"); at != std::string::npos;
           at = head.find("\r\n", at + 2)) {
        auto line = std::string_view(head).substr(at + 2);
        if (boost::algorithm::istarts_with(line, "transfer-encoding:") &&
            line.substr(0, line.find("\r\n")).find("chunked") != std::string_view::npos) {
          chunked = true;
        }
      }

      std::string text;  // decoded body, not yet cut into frames
      for (;;) {
        if (chunked) {
          for (;;) {
            auto line_end = raw.find("\r\n");
            if (line_end == std::string::npos) break;
            auto size = std::stoul(raw.substr(0, line_end), nullptr, 16);
            if (size == 0) throw std::runtime_error("the stream ended");
            if (raw.size() < line_end + 2 + size + 2) break;
            text.append(raw, line_end + 2, size);
            raw.erase(0, line_end + 2 + size + 2);
          }
        } else {
          text += raw;
          raw.clear();
        }
        for (auto end = text.find("\n\n"); end != std::string::npos; end = text.find("\n\n")) {
          auto frame = text.substr(0, end + 2);
          text.erase(0, end + 2);
          auto id = field_of(frame, "id");
          if (id.empty()) continue;  // comments, retry: this stream has its own
          if (auto data = field_of(frame, "data"); !data.empty()) {
            auto at = data.find("\"time\":\"");
            if (at != std::string::npos) {
              auto stop = data.find('"', at + 8);
              remember(id, data.substr(at + 8, stop - at - 8));
            }
          }
          request.last_event_id = id;  // a reconnect resumes after it
          request.since.reset();
          if (!writer->write(frame)) return;
        }
        if (text.size() > kMaxFrame) throw std::runtime_error("a frame too large");
        if (stopping() || !writer->open()) return;
        if (!receive(socket.get(), raw, kPollInterval))
          throw std::runtime_error("the stream ended");
      }
    } catch (const std::exception& failure) {
      error = failure.what();
    }
    if (stopping() || !writer->open()) return;
    std::string modules;
    for (const auto& m : target.modules) modules += (modules.empty() ? "" : ",") + quoted(m);
    if (!writer->write("event: mart.unavailable\ndata: {\"upstream\":" + quoted(target.url) +
                       ",\"modules\":[" + modules + "],\"error\":" + quoted(error) + "}\n\n")) {
      return;
    }
    std::unique_lock lock(mutex_);
    stopped_.wait_for(lock, kRetryAfter, [this] { return stopping(); });
  }
}

}  // namespace mart::event_stream
