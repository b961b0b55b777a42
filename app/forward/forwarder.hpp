#pragma once
// The forwarding decision of a process that hosts only some modules: a request for a module
// hosted here is handled here; one for a module hosted elsewhere goes to that module's upstream;
// one for a module with no upstream is refused (503). See docs/adr/0009-forwarding-gateway.md.
// A dead letter's replay or discard counts as a request for the dead letter's module
// (dead_letter_owner.hpp), unless it carries ?scope=local.

#include "http/server.hpp"

#include <kernel/http.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mart::forward {

struct Decision {
  enum class Kind {
    local,       // handled here: a hosted module's route, or a route of every process
    forward,     // sent to `upstream`
    not_hosted,  // `module` is neither hosted here nor has an upstream: 503
    loop,        // it would go on through too many mart proxies (a misconfiguration): 508
  };
  Kind kind = Kind::local;
  std::string module;
  std::shared_ptr<const http::Upstream> upstream;
};

// Whether the request carries ?scope=local: this process's own part of an admin view, or its own
// dead letters (what a merging process asks of its upstreams; never merged or routed again).
bool asks_local_scope(const kernel::Request& request);

class Forwarder {
 public:
  // More mart proxies than this on one request's way (counted in Via) is a forwarding loop.
  static constexpr int kMaxHops = 4;

  // `upstreams` maps module names to base URLs (checked by the configuration); those of hosted
  // modules are not used. Throws std::invalid_argument for a URL that does not parse.
  Forwarder(const std::vector<std::string>& hosted,
            const std::map<std::string, std::string>& upstreams, std::chrono::milliseconds timeout);

  Decision decide(const kernel::Request& request) const;

  // The answer for a not_hosted or loop decision (problem+json).
  static kernel::Response refusal(const Decision& decision);

  // Modules forwarded somewhere, with their upstream (for the start-up log).
  const std::map<std::string, std::shared_ptr<const http::Upstream>>& upstreams() const {
    return upstreams_;
  }

 private:
  std::vector<std::string> hosted_;
  std::map<std::string, std::shared_ptr<const http::Upstream>> upstreams_;
};

}  // namespace mart::forward
