#include "listen_address.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <sys/socket.h>

#include <atomic>
#include <cstring>
#include <stdexcept>

namespace mart::kafka_mock {
namespace {

std::atomic<bool> substituting{false};
sockaddr_in substitute{};
std::atomic<int> binds_substituted{0};

bool is_loopback_any_port(const sockaddr* address, socklen_t length) {
  if (address == nullptr || address->sa_family != AF_INET || length < sizeof(sockaddr_in)) {
    return false;
  }
  sockaddr_in in{};
  std::memcpy(&in, address, sizeof in);
  return in.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && in.sin_port == 0;
}

}  // namespace

sockaddr_in resolve_listen_address(const std::string& host_port) {
  std::string host = host_port;
  int port = 0;
  if (const auto colon = host_port.rfind(':'); colon != std::string::npos) {
    host = host_port.substr(0, colon);
    const std::string digits = host_port.substr(colon + 1);
    std::size_t used = 0;
    try {
      port = std::stoi(digits, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (digits.empty() || used != digits.size() || port < 0 || port > 65535) {
      throw std::invalid_argument("--listen: the port must be a number from 0 to 65535, not \"" +
                                  digits + "\"");
    }
  }
  if (host.empty()) throw std::invalid_argument("--listen needs HOST[:PORT]");

  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0) {
    throw std::invalid_argument("--listen: cannot resolve \"" + host +
                                "\" to an IPv4 address: " + gai_strerror(rc));
  }
  sockaddr_in address{};
  std::memcpy(&address, found->ai_addr, sizeof address);
  freeaddrinfo(found);
  if (address.sin_addr.s_addr == htonl(INADDR_ANY)) {
    throw std::invalid_argument(
        "--listen: the brokers advertise the address they listen on, so it must be one clients "
        "can connect to, not 0.0.0.0");
  }
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  return address;
}

void substitute_loopback_binds(const sockaddr_in& address) {
  substitute = address;
  substituting.store(true);
}

}  // namespace mart::kafka_mock

// Interposes libc's bind() for this executable and the libraries it loads (an executable's
// definition comes first in the dynamic lookup): librdkafka 2.0.2 offers no other way to choose
// the mock brokers' address.
extern "C" int bind(int socket, const sockaddr* address, socklen_t length) {
  using Bind = int (*)(int, const sockaddr*, socklen_t);
  static const auto real_bind = reinterpret_cast<Bind>(dlsym(RTLD_NEXT, "bind"));
  using namespace mart::kafka_mock;
  if (substituting.load() && is_loopback_any_port(address, length)) {
    sockaddr_in replaced = substitute;
    if (replaced.sin_port != 0) {
      const int n = binds_substituted.fetch_add(1);
      replaced.sin_port = htons(static_cast<std::uint16_t>(ntohs(substitute.sin_port) + n));
    }
    return real_bind(socket, reinterpret_cast<const sockaddr*>(&replaced), sizeof replaced);
  }
  return real_bind(socket, address, length);
}
