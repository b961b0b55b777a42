#include "http/adapter.hpp"

#include "kernel/ids.hpp"
#include "kernel/log.hpp"
#include "kernel/problem.hpp"
#include "kernel/router.hpp"
#include "kernel/text.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <utility>

namespace mart::http::detail {
namespace {

namespace bhttp = boost::beast::http;
namespace urls = boost::urls;

constexpr std::size_t kMaxRequestIdLength = 128;

// Framing and identity headers are the server's business; a handler's copies are dropped.
constexpr std::array<std::string_view, 6> kServerOwnedHeaders = {
    "content-length", "transfer-encoding", "connection", "keep-alive", "x-request-id", "server"};

char to_lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}
char to_upper(char c) {
  return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
}

bool icontains(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char x, char y) { return to_lower(x) == to_lower(y); }) != haystack.end();
}

bool is_valid_request_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxRequestIdLength &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// RFC 9110 token characters.
bool is_token(std::string_view name) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kExtra.find(c) != std::string_view::npos;
  });
}

bool is_safe_value(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool is_server_owned(std::string_view name) {
  return std::any_of(kServerOwnedHeaders.begin(), kServerOwnedHeaders.end(),
                     [&](std::string_view owned) { return iequals(owned, name); });
}

bool status_has_no_body(int status) {
  return status == 204 || status == 304;
}

// Origin-form ("/path?query") is what clients send to an origin server; absolute-form
// ("http://host/path") must be accepted too (RFC 9112, 3.2.2).
urls::result<urls::url_view> parse_target(std::string_view target) {
  auto origin = urls::parse_origin_form(target);
  if (origin || target.empty() || target.front() == '/') return origin;
  auto absolute = urls::parse_absolute_uri(target);
  if (absolute && (absolute->scheme_id() == urls::scheme::http ||
                   absolute->scheme_id() == urls::scheme::https)) {
    return absolute;
  }
  return origin;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return to_lower(x) == to_lower(y);
         });
}

bool is_valid_field(std::string_view name, std::string_view value) {
  return is_token(name) && is_safe_value(value);
}

std::string origin_form(std::string_view target) {
  if (!target.empty() && target.front() == '/') return std::string(target);
  auto url = parse_target(target);
  if (!url) return "/";
  std::string out = url->encoded_path().empty() ? "/" : std::string(url->encoded_path());
  if (url->has_query()) {
    // Appended, not "?" + string: GCC 12 at -O3 warns (-Wrestrict, a false positive) on that.
    out += '?';
    out += url->encoded_query();
  }
  return out;
}

std::string framing_error(const BeastRequest::header_type& head) {
  int lengths = 0;
  int encodings = 0;
  std::string coding;
  for (const auto& field : head) {
    if (field.name() == bhttp::field::content_length) {
      // "5, 5" is two of them in one field.
      lengths += 1 + static_cast<int>(std::count(field.value().begin(), field.value().end(), ','));
    } else if (field.name() == bhttp::field::transfer_encoding) {
      ++encodings;
      coding += std::string(field.value());
    }
  }
  if (lengths > 1) return "The request has more than one Content-Length field.";
  if (encodings == 0) return {};
  if (lengths > 0) return "The request has both Transfer-Encoding and Content-Length.";
  auto trimmed = kernel::trim_ows(coding);
  if (encodings > 1 || !iequals(trimmed, "chunked")) {
    return "The only Transfer-Encoding accepted is chunked.";
  }
  return {};
}

std::string request_id_for(const BeastRequest::header_type& head) {
  auto field = head.find("X-Request-Id");
  if (field != head.end() && is_valid_request_id(field->value())) {
    return std::string(field->value());
  }
  return kernel::unique_hex_id();
}

bool to_kernel_request(BeastRequest& in, std::string client_address, std::string request_id,
                       kernel::Request& out) {
  out.method = std::string(in.method_string());
  std::transform(out.method.begin(), out.method.end(), out.method.begin(), to_upper);
  out.target = std::string(in.target());
  for (const auto& field : in) {
    out.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(in.body());
  out.client_address = std::move(client_address);
  out.request_id = std::move(request_id);

  auto url = parse_target(out.target);
  if (!url) return false;
  out.path = url->path();
  if (out.path.empty()) out.path = "/";
  // Judged on the path as received: "%6cogin" is not another spelling of "login".
  auto raw_path = std::string_view(url->encoded_path());
  out.path_canonical = kernel::is_canonical_path(raw_path.empty() ? "/" : raw_path);
  for (auto param : url->params(urls::encoding_opts(/*space_as_plus=*/true))) {
    out.query.emplace_back(std::move(param.key), std::move(param.value));
  }
  return true;
}

Outcome invoke(const RequestHandler& handler, kernel::Request& request) {
  try {
    return handler(request);
  } catch (const kernel::StorageUnavailable& storage) {
    return kernel::problem_response(storage);  // 503 + Retry-After, never a 500
  } catch (const std::exception& error) {
    kernel::log::error("http", std::string("request handler threw: ") + error.what(),
                       request.request_id);
  } catch (...) {
    kernel::log::error("http", "request handler threw a non-exception", request.request_id);
  }
  return kernel::problem_response(500, kernel::status_title(500),
                                  "The server failed to handle the request.");
}

void invoke_finish(const Forward& forward, const kernel::Request& request,
                   kernel::Response& answer) {
  if (!forward.finish) return;
  try {
    forward.finish(request, answer);
    return;
  } catch (const std::exception& error) {
    kernel::log::error("http", std::string("forward finish threw: ") + error.what(),
                       request.request_id);
  } catch (...) {
    kernel::log::error("http", "forward finish threw a non-exception", request.request_id);
  }
  answer = kernel::problem_response(500, kernel::status_title(500),
                                    "The server failed to handle the request.");
}

BeastResponse to_beast_response(kernel::Response&& in, const ResponseContext& context) {
  if (in.status < 200 || in.status > 599) {
    kernel::log::error("http", "handler returned invalid status " + std::to_string(in.status),
                       context.request_id);
    in = kernel::problem_response(500, kernel::status_title(500),
                                  "The server produced an invalid response.");
  }
  bool keep_alive = context.keep_alive;
  BeastResponse out;
  out.version(context.version);
  out.result(static_cast<unsigned>(in.status));
  for (auto& [name, value] : in.headers.all()) {
    if (iequals(name, "connection") && icontains(value, "close")) keep_alive = false;
    if (is_server_owned(name)) continue;
    if (!is_token(name) || !is_safe_value(value)) {
      kernel::log::warn("http", "dropped an invalid response header field", context.request_id);
      continue;
    }
    out.insert(name, value);
  }
  out.set(bhttp::field::server, "mart");
  out.set("X-Request-Id", context.request_id);
  if (status_has_no_body(in.status)) {
    // RFC 9110: no content, and no Content-Length on a 204.
  } else if (context.head && context.head_length) {
    out.content_length(*context.head_length);
  } else {
    out.content_length(in.body.size());
    if (!context.head) out.body() = std::move(in.body);
  }
  out.keep_alive(keep_alive);
  return out;
}

void serialize(const BeastResponse& response, std::string& wire) {
  wire.clear();
  wire.reserve(256 + response.body().size());
  wire += response.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  wire += std::to_string(response.result_int());
  wire += ' ';
  wire += bhttp::obsolete_reason(response.result());
  wire += "\r\n";
  for (const auto& field : response) {
    wire += field.name_string();
    wire += ": ";
    wire += field.value();
    wire += "\r\n";
  }
  wire += "\r\n";
  wire += response.body();
}

BeastResponse server_problem(int status, std::string_view detail, std::string_view request_id) {
  auto problem = kernel::problem_response(status, kernel::status_title(status), detail);
  return to_beast_response(std::move(problem), {11, false, false, request_id, std::nullopt});
}

}  // namespace mart::http::detail
