#include "forward/forward_headers.hpp"

#include <kernel/text.hpp>
#include <kernel/trace.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace mart::forward {
namespace {

constexpr std::array<std::string_view, 7> kHopByHop = {
    "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"};

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// The comma-separated elements of every field called `name`, trimmed, empty ones dropped.
std::vector<std::string_view> elements(const kernel::Headers& headers, std::string_view name) {
  std::vector<std::string_view> out;
  for (const auto& [field, value] : headers.all()) {
    if (!iequals(field, name)) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto element = kernel::trim_ows(rest.substr(0, comma));
      if (!element.empty()) out.push_back(element);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return out;
}

// Every field value called `name`, joined with ", " (RFC 9110, 5.3); empty when there is none.
std::string joined(const kernel::Headers& headers, std::string_view name) {
  std::string out;
  for (const auto& [field, value] : headers.all()) {
    if (!iequals(field, name)) continue;
    out += (out.empty() ? "" : ", ") + value;
  }
  return out;
}

// True for the fields that stop at this hop: the hop-by-hop ones and those that `connection`
// (the tokens of the message's Connection fields) names.
bool stops_here(std::string_view name, const std::vector<std::string_view>& connection) {
  return is_hop_by_hop(name) ||
         std::any_of(connection.begin(), connection.end(),
                     [&](std::string_view token) { return iequals(token, name); });
}

}  // namespace

bool is_hop_by_hop(std::string_view name) {
  return istarts_with(name, "proxy-") ||
         std::any_of(kHopByHop.begin(), kHopByHop.end(),
                     [&](std::string_view hop) { return iequals(hop, name); });
}

kernel::Headers upstream_request_headers(const kernel::Request& request) {
  static constexpr std::array<std::string_view, 8> kRewritten = {
      "content-length",    "expect",           "x-request-id", "via", "x-forwarded-for",
      "x-forwarded-proto", "x-forwarded-host", "forwarded"};
  const auto& in = request.headers;
  auto connection = elements(in, "connection");
  kernel::Headers out;
  for (const auto& [name, value] : in.all()) {
    if (stops_here(name, connection)) continue;
    if (std::any_of(
            kRewritten.begin(), kRewritten.end(),
            // An init-capture: clang 14 cannot capture a structured binding.
            [&name = name](std::string_view rewritten) { return iequals(rewritten, name); })) {
      continue;
    }
    out.add(name, value);
  }
  if (!request.request_id.empty()) out.set("X-Request-Id", request.request_id);
  // The upstream joins the request's trace: the client's traceparent goes on as it came; without
  // one (or with a malformed one) the one this process started for the request.
  auto incoming = in.get("traceparent");
  if (!request.trace_id.empty() && !(incoming && kernel::parse_traceparent(*incoming))) {
    out.set("traceparent", kernel::traceparent_of(request));
  }

  auto via = joined(in, "via");
  out.set("Via", (via.empty() ? "" : via + ", ") + "1.1 " + std::string(kViaPseudonym));
  // The chain of clients and proxies goes on only when it came from a trusted proxy; a client's
  // own X-Forwarded-For / Forwarded would otherwise reach the upstream as if this process had
  // vouched for it. This process's own peer is appended either way.
  const auto& peer = request.peer_address.empty() ? request.client_address : request.peer_address;
  std::string forwarded_for;
  if (request.peer_trusted) {
    forwarded_for = joined(in, "x-forwarded-for");
    if (forwarded_for.empty() && request.client_address != peer) {
      forwarded_for = request.client_address;  // named by Forwarded: for=
    }
    for (const auto& [name, value] : in.all()) {
      if (iequals(name, "forwarded")) out.add(name, value);
    }
  }
  if (!peer.empty()) forwarded_for += (forwarded_for.empty() ? "" : ", ") + peer;
  if (!forwarded_for.empty()) out.set("X-Forwarded-For", forwarded_for);
  auto proto = in.get("X-Forwarded-Proto");
  out.set("X-Forwarded-Proto", proto ? std::string(*proto) : "http");
  if (auto host = in.get("X-Forwarded-Host")) {
    out.set("X-Forwarded-Host", std::string(*host));
  } else if (auto own = in.get("Host")) {
    out.set("X-Forwarded-Host", std::string(*own));
  }
  return out;
}

kernel::Headers client_response_headers(const kernel::Headers& upstream) {
  auto connection = elements(upstream, "connection");
  kernel::Headers out;
  for (const auto& [name, value] : upstream.all()) {
    if (stops_here(name, connection) || istarts_with(name, "access-control-")) continue;
    out.add(name, value);
  }
  return out;
}

int mart_hops(const kernel::Headers& headers) {
  int hops = 0;
  for (auto entry : elements(headers, "via")) {
    // "1.1 mart" or "HTTP/1.1 mart (comment)": received-protocol, then the pseudonym.
    auto space = entry.find(' ');
    if (space == std::string_view::npos) continue;
    auto by = kernel::trim_ows(entry.substr(space + 1));
    by = by.substr(0, by.find(' '));
    if (by == kViaPseudonym) ++hops;
  }
  return hops;
}

}  // namespace mart::forward
