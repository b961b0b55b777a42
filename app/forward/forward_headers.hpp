#pragma once
// Which header fields cross a forwarding process, in each direction (RFC 9110, 7.6: hop-by-hop
// fields belong to one connection and are never forwarded).

#include <kernel/http.hpp>

#include <string_view>

namespace mart::forward {

// The pseudonym this proxy writes into Via ("1.1 mart").
inline constexpr std::string_view kViaPseudonym = "mart";

// Connection, Keep-Alive, Transfer-Encoding, TE, Trailer, Upgrade, Proxy-* and Host.
bool is_hop_by_hop(std::string_view name);

// The fields sent upstream for `request`: every end-to-end field of the request (Content-Type,
// Authorization, traceparent, Idempotency-Key, ...), minus the hop-by-hop ones, the ones the
// request's Connection field names, Content-Length (the server frames the request) and Expect
// (answered here already); X-Request-Id set to the id this server assigned; the client's
// traceparent as it came, or, without a valid one, the one this process started for the request
// (kernel::start_trace), so the upstream joins the same trace; "1.1 mart" appended
// to Via; X-Forwarded-For and Forwarded as they came only from a trusted proxy
// (request.peer_trusted; from anyone else they are dropped), with the TCP peer's address appended
// to X-Forwarded-For; X-Forwarded-Proto (http) and X-Forwarded-Host
// (the client's Host) unless a proxy in front already set them.
kernel::Headers upstream_request_headers(const kernel::Request& request);

// The upstream answer's fields that reach the client: minus the hop-by-hop ones and the ones its
// Connection field names, and minus Access-Control-* (CORS is decided by the process the client
// talks to, which adds its own).
kernel::Headers client_response_headers(const kernel::Headers& upstream);

// How many mart proxies the request passed already (Via entries "<version> mart").
int mart_hops(const kernel::Headers& headers);

}  // namespace mart::forward
