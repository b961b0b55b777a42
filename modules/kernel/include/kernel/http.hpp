#pragma once
// The kernel's framework-free view of HTTP. Modules see only these types; Beast stops at the
// adapter in app/http.

#include "kernel/auth.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kernel {

using Header = std::pair<std::string, std::string>;

// Header names compare case-insensitively (RFC 9110).
class Headers {
 public:
  void set(std::string name, std::string value);
  void add(std::string name, std::string value);
  std::optional<std::string_view> get(std::string_view name) const;
  const std::vector<Header>& all() const { return items_; }

 private:
  std::vector<Header> items_;
};

struct Request {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // as received, e.g. "/api/v1/products?q=tea"
  std::string path;    // percent-decoded path without query
  // Whether the path as received was canonical (kernel::is_canonical_path, checked before
  // percent-decoding); when not, no route matches it and it is never forwarded.
  bool path_canonical = true;
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  Headers headers;
  std::string body;
  std::string request_id;
  // W3C trace context: the incoming traceparent's trace id (32 lower-hex), or a fresh one; the
  // correlation id of every event this request causes.
  std::string trace_id;
  std::string span_id;             // this request's own span (16 lower-hex)
  std::string trace_flags = "01";  // the incoming flags (2 hex), else sampled
  // The client: the TCP peer, or, when the peer is a trusted proxy (gateway.trusted_proxies),
  // the client its X-Forwarded-For / Forwarded names. Rate limits, sign-in throttling and logs
  // key on it.
  std::string client_address;
  // The TCP peer's address, and whether it is a trusted proxy (whose forwarding fields count).
  std::string peer_address;
  bool peer_trusted = false;
  std::vector<std::pair<std::string, std::string>> path_params;  // filled by the router
  std::optional<Principal> principal;  // set by the gateway from a valid bearer token

  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
  std::optional<std::string> query_param(std::string_view name) const;
  // The named path parameter; the router guarantees it exists for the matched route.
  std::string_view param(std::string_view name) const;
  // The named path parameter as a positive integer id; anything else names nothing there, so it
  // throws a 404 problem ("<what> <text> not found.").
  std::int64_t id_param(std::string_view name, std::string_view what) const;
  // The caller; throws a 401 problem when there is none (for handlers of Access::user routes
  // this never throws: the router checked).
  const Principal& caller() const;
};

// The writing end of a response body sent as it is produced (Server-Sent Events). Held by the
// producer; every member may be called from any thread.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // Queues `text` for the client. False once the stream has ended (the client went away, it fell
  // further behind than the response's stream_buffer_limit, or the server stops), and from then
  // on always: the producer forgets the writer. Never blocks on the client.
  virtual bool write(std::string_view text) = 0;
  virtual bool open() const = 0;
  // Ends the stream: what is queued is sent, then the connection closes.
  virtual void close() = 0;
};

struct Response;
// Hands over a response that was not ready when its handler returned. Callable from any thread,
// exactly once.
using Reply = std::function<void(Response)>;

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // The route template that answered ("/api/v1/orders/{id}"), for metrics and the access log;
  // "unmatched" when none did, "forwarded:<module>" for a forwarded request, a web page's pattern
  // or "web:assets" for the pages (app/web); "" until known.
  std::string route;
  // Set when the answer comes later: the handler queued work (a write to its module's writer)
  // that answers once it is done. Whoever sends the response calls `later` once with a Reply
  // for the final response, which may come on another thread. The request must outlive the
  // reply: the server keeps it until the answer is written. `later` either arranges for the
  // reply to be called once, or throws without calling it. (In app/http: Session::do_defer calls
  // `later`; the reply posts the answer to Session::on_deferred_reply on the connection's thread.)
  std::function<void(Reply)> later;

  // Set for a streamed answer: the head (status, headers) is sent, then `stream` is called once,
  // on the connection's thread, with the writer of the body. The answer then never ends by
  // itself: the producer closes it, or the client, or the server's stop. A client further behind
  // than stream_buffer_limit bytes is disconnected rather than buffered for.
  std::function<void(std::shared_ptr<StreamWriter>)> stream;
  std::size_t stream_buffer_limit = std::size_t{1} << 20;

  static Response json(int status, const boost::json::value& body);
  static Response no_content();
  static Response deferred(std::function<void(Reply)> start);
  bool is_deferred() const { return static_cast<bool>(later); }
};

// Applies `change` to `response` now or, when it is deferred, to its final response (called
// once either way). A ready response costs no wrapper: answers on the read path pass through.
void amend_later(Response& response, std::function<void(Response&)> change);
template <class F>
void amend(Response& response, F&& change) {
  if (!response.is_deferred()) return change(response);
  amend_later(response, std::forward<F>(change));
}

// The final response: `response` itself, or the deferred one once it came (blocks until then).
// For callers outside the HTTP server: in-process tests and tools.
Response settle(Response response);

}  // namespace kernel
