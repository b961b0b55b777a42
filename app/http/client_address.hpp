#pragma once
// Who the client is when proxies stand in front of this server (issue #13, item 2). A proxy's
// X-Forwarded-For / Forwarded fields count only when the TCP peer is a configured trusted proxy
// (gateway.trusted_proxies); from anyone else they are ignored, so that a client cannot pick the
// address its rate limits and sign-in throttling are keyed on.

#include "kernel/http.hpp"

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace mart::http {

// A set of addresses and CIDR blocks, IPv4 and IPv6 ("10.0.0.1", "10.0.0.0/8", "::1",
// "fd00::/8"). IPv4 is kept as IPv4-mapped IPv6, so "127.0.0.1" also matches "::ffff:127.0.0.1".
class TrustedProxies {
 public:
  TrustedProxies() = default;
  // Throws std::invalid_argument naming the first entry that is not an address or CIDR block.
  explicit TrustedProxies(const std::vector<std::string>& entries);

  bool empty() const { return blocks_.empty(); }
  // False for anything that is not an IP address.
  bool contains(std::string_view address) const;

 private:
  struct Block {
    std::array<unsigned char, 16> bytes{};
    unsigned prefix = 128;
  };
  std::vector<Block> blocks_;
};

// The client of a request that arrived from `peer`: the peer itself unless it is trusted; then
// X-Forwarded-For (or, without one, the for= parameters of Forwarded, RFC 7239) walked from the
// right, skipping trusted addresses, and the first other address is the client. An element that
// is not an IP address (malformed, "unknown", an obfuscated identifier) ends the walk: the peer
// is the client then. When every element is trusted, the leftmost is the client.
std::string resolve_client(std::string_view peer, const kernel::Headers& headers,
                           const TrustedProxies& trusted);

// An IP address in its normal text form ("::1", "10.0.0.1"; an IPv4-mapped IPv6 address as
// IPv4), or "" when `text` is not one. Accepts "[v6]" and "v4:port" / "[v6]:port" as Forwarded
// writes them.
std::string normal_address(std::string_view text);

}  // namespace mart::http
