#pragma once
// Requests a handler sends to several upstreams at once, answered later (kernel::Response::
// deferred): the admin views of a split deployment ask every process and merge their answers
// (app/deployment/). The exchanges run on one I/O thread of this object's own, so a request
// handler never waits for an upstream and the server's sessions are not involved; each exchange
// is bounded by its upstream's timeout (a 504 problem when it passes, a 502 when the upstream
// cannot be reached or breaks off), as for a forwarded request. Nothing here shows Beast or Asio.

#include "http/server.hpp"

#include <kernel/http.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mart::http {

struct UpstreamCall {
  std::shared_ptr<const Upstream> upstream;
  std::string method = "GET";
  std::string target;       // origin-form, before the upstream's base path
  kernel::Headers headers;  // Host and framing fields are the client's own
  std::string body;
  std::string request_id;  // for the log lines of a failed exchange
};

class FanOut {
 public:
  // Called once, on the fan-out thread, with one response per call, in the calls' order: the
  // upstream's answer, or the 502/504 problem made in its place.
  using Done = std::function<void(std::vector<kernel::Response>)>;

  FanOut();   // starts the thread
  ~FanOut();  // calls stop()
  FanOut(const FanOut&) = delete;
  FanOut& operator=(const FanOut&) = delete;

  // Sends every call at once. `done` comes at once (with no responses) when `calls` is empty,
  // and after stop() every call is answered with a 503 problem.
  void send(std::vector<UpstreamCall> calls, Done done);

  // Lets the exchanges under way finish (each within its upstream's timeout), then joins the
  // thread. Idempotent; never called from a `done` callback (its own thread).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mart::http
