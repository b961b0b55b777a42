#include "forward/forwarder.hpp"

#include "forward/dead_letter_owner.hpp"
#include "forward/forward_headers.hpp"
#include "forward/module_routes.hpp"
#include "forward/upstream_url.hpp"

#include <kernel/problem.hpp>

#include <algorithm>

namespace mart::forward {
bool asks_local_scope(const kernel::Request& request) {
  auto scope = request.query_param("scope");
  return scope && *scope == "local";
}

Forwarder::Forwarder(const std::vector<std::string>& hosted,
                     const std::map<std::string, std::string>& upstreams,
                     std::chrono::milliseconds timeout)
    : hosted_(hosted) {
  for (const auto& [module, url] : upstreams) {
    if (std::find(hosted_.begin(), hosted_.end(), module) != hosted_.end()) continue;
    auto upstream = parse_upstream_url(url);
    upstream.name = module;
    upstream.timeout = timeout;
    upstreams_.emplace(module, std::make_shared<const http::Upstream>(std::move(upstream)));
  }
}

Decision Forwarder::decide(const kernel::Request& request) const {
  Decision decision;
  // A path received in another spelling than the canonical one stays here, where it is a 404.
  if (!request.path_canonical) return decision;
  auto module = module_for_path(request.path);
  // A dead letter is replayed or discarded by the process hosting its module (unless the
  // request asks this process only).
  if (!module && !asks_local_scope(request)) {
    module = dead_letter_module(request.method, request.path);
  }
  if (!module || std::find(hosted_.begin(), hosted_.end(), *module) != hosted_.end()) {
    return decision;
  }
  decision.module = std::string(*module);
  auto it = upstreams_.find(decision.module);
  if (it == upstreams_.end()) {
    decision.kind = Decision::Kind::not_hosted;
  } else if (mart_hops(request.headers) >= kMaxHops) {
    decision.kind = Decision::Kind::loop;
  } else {
    decision.kind = Decision::Kind::forward;
    decision.upstream = it->second;
  }
  return decision;
}

kernel::Response Forwarder::refusal(const Decision& decision) {
  if (decision.kind == Decision::Kind::loop) {
    return kernel::problem_response(508, "Loop Detected",
                                    "The request for the " + decision.module +
                                        " module passed through too many mart processes; their "
                                        "upstream settings form a loop.");
  }
  auto response = kernel::problem_response(
      503, kernel::status_title(503),
      "The " + decision.module +
          " module is not hosted by this process and no upstream is configured for it "
          "(upstream." +
          decision.module + ").");
  return response;
}

}  // namespace mart::forward
