#include "sse_reader.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace mart::test {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

SseReader::SseReader(std::uint16_t port, const std::string& target, const HeaderList& headers,
                     int receive_buffer) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  if (receive_buffer > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("connect failed");
  }
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "Accept: text/event-stream\r\n\r\n";
  if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    throw std::runtime_error("send failed");
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (raw_.find("\r\n\r\n") == std::string::npos) {
    if (!fill(deadline)) throw std::runtime_error("no answer head");
  }
  auto end = raw_.find("\r\n\r\n");
  head_ = raw_.substr(0, end + 2);
  raw_.erase(0, end + 4);
  status_ = std::stoi(head_.substr(9, 3));
  chunked_ = lower(header("transfer-encoding")).find("chunked") != std::string::npos;
  if (status_ != 200) {
    // A refusal is an ordinary answer with a Content-Length body.
    auto length = header("content-length");
    auto size = length.empty() ? 0 : std::stoul(length);
    while (raw_.size() < size && fill(deadline)) {
    }
    text_ = raw_;
  }
}

SseReader::~SseReader() {
  if (fd_ >= 0) ::close(fd_);
}

std::string SseReader::header(const std::string& lower_case_name) const {
  auto text = lower(head_);
  auto at = text.find("\r\n" + lower_case_name + ":");
  if (at == std::string::npos) return "";
  auto start = at + 2 + lower_case_name.size() + 1;
  auto stop = head_.find("\r\n", start);
  auto value = head_.substr(start, stop - start);
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  return value;
}

bool SseReader::fill(std::chrono::steady_clock::time_point deadline) {
  if (ended_) return false;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char buffer[16384];
  auto n = ::recv(fd_, buffer, sizeof buffer, 0);
  if (n <= 0) {
    ended_ = true;
    return false;
  }
  raw_.append(buffer, static_cast<std::size_t>(n));
  return true;
}

// Moves whole chunks (or, without chunking, everything) from raw_ to text_.
bool SseReader::decode_body() {
  if (!chunked_) {
    text_ += raw_;
    raw_.clear();
    return true;
  }
  for (;;) {
    auto line_end = raw_.find("\r\n");
    if (line_end == std::string::npos) return true;
    auto size = std::stoul(raw_.substr(0, line_end), nullptr, 16);
    if (size == 0) {
      ended_ = true;
      return false;
    }
    if (raw_.size() < line_end + 2 + size + 2) return true;
    text_.append(raw_, line_end + 2, size);
    raw_.erase(0, line_end + 2 + size + 2);
  }
}

std::optional<SseFrame> SseReader::next(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    decode_body();
    for (auto end = text_.find("\n\n"); end != std::string::npos; end = text_.find("\n\n")) {
      auto block = text_.substr(0, end + 1);
      text_.erase(0, end + 2);
      SseFrame frame;
      bool has_field = false;
      for (std::size_t at = 0; at < block.size();) {
        auto stop = block.find('\n', at);
        auto line = block.substr(at, stop - at);
        at = stop + 1;
        if (line.empty() || line[0] == ':') continue;
        auto colon = line.find(':');
        auto name = line.substr(0, colon);
        auto value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (name == "id") frame.id = value, has_field = true;
        if (name == "event") frame.event = value, has_field = true;
        if (name == "data") frame.data += value, has_field = true;
      }
      if (has_field && (!frame.data.empty() || !frame.id.empty())) {
        if (frame.event.empty()) frame.event = "message";
        return frame;
      }
    }
    if (!fill(deadline)) {
      decode_body();
      if (text_.find("\n\n") == std::string::npos) return std::nullopt;
    }
  }
}

std::vector<SseFrame> SseReader::take(std::size_t count, std::chrono::milliseconds timeout) {
  std::vector<SseFrame> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < count) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto frame = next(left);
    if (!frame) break;
    out.push_back(std::move(*frame));
  }
  return out;
}

bool SseReader::ends_within(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ended_) {
    raw_.clear();
    if (!fill(deadline) && !ended_) return false;
    if (raw_.size() > std::size_t{1} << 20) raw_.clear();
  }
  return true;
}

}  // namespace mart::test
