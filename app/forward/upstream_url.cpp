#include "forward/upstream_url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>

namespace mart::forward {
namespace {

namespace urls = boost::urls;

std::invalid_argument bad(const std::string& why) {
  return std::invalid_argument("must be http://host[:port][/base-path]: " + why);
}

bool is_host_name(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == '_';
  });
}

}  // namespace

http::Upstream parse_upstream_url(std::string_view text) {
  auto parsed = urls::parse_uri(text);
  if (!parsed) throw bad("it is not an absolute URL");
  const urls::url_view& url = *parsed;
  if (url.scheme_id() == urls::scheme::https) {
    throw std::invalid_argument(
        "https is not supported: mart forwards over plain HTTP, so use http:// on a private "
        "network or put a TLS-terminating proxy next to the upstream");
  }
  if (url.scheme_id() != urls::scheme::http) throw bad("the scheme must be http");
  if (url.has_userinfo()) throw bad("it must not carry credentials");
  if (url.has_query()) throw bad("it must not have a query");
  if (url.has_fragment()) throw bad("it must not have a fragment");
  if (url.host_type() == urls::host_type::ipvfuture || url.host_address().empty() ||
      (url.host_type() == urls::host_type::name && !is_host_name(url.host_address()))) {
    throw bad("it must name a host");
  }

  http::Upstream upstream;
  upstream.host = url.host_address();  // an IPv6 literal comes without its brackets
  if (url.has_port()) {
    if (url.port_number() == 0) throw bad("the port must be a number from 1 to 65535");
    upstream.port = url.port_number();
  }
  upstream.authority = url.encoded_host_and_port();
  upstream.base_path = url.encoded_path();
  while (!upstream.base_path.empty() && upstream.base_path.back() == '/') {
    upstream.base_path.pop_back();
  }
  return upstream;
}

}  // namespace mart::forward
