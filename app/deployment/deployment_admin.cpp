#include "deployment/deployment_admin.hpp"

#include "deployment/admin_merge.hpp"
#include "forward/forward_headers.hpp"
#include "forward/forwarder.hpp"

#include <kernel/log.hpp>
#include <kernel/pagination.hpp>
#include <kernel/problem.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <optional>
#include <utility>

namespace mart::deployment {
namespace {

namespace json = boost::json;

enum class View { status, dead_letters, audit, timeline };

std::optional<View> view_of(const kernel::Request& request) {
  if (request.method != "GET") return std::nullopt;
  if (request.path == "/api/v1/admin/events/status") return View::status;
  if (request.path == "/api/v1/admin/dead-letters") return View::dead_letters;
  if (request.path == "/api/v1/admin/audit") return View::audit;
  if (request.path == "/api/v1/admin/events/timeline") return View::timeline;
  return std::nullopt;
}

// Fields of the caller's request that would change the upstream's answer into something other
// than its JSON view (a 304, a range).
constexpr std::array<std::string_view, 7> kNotAsked = {
    "if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "if-range",
    "range",         "idempotency-key"};

bool not_asked(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(kNotAsked.begin(), kNotAsked.end(), lower) != kNotAsked.end();
}

// What the merge needs once the answers are in (shared by the callbacks, read only).
struct Plan {
  View view = View::status;
  int limit = 20;
  std::vector<std::string> hosted;
  std::vector<DeploymentAdmin::Process> processes;
  std::vector<http::UpstreamCall> calls;  // one per process, in the same order
};

std::optional<json::object> object_of(const std::string& body) {
  json::error_code ec;
  auto value = json::parse(body, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.get_object());
}

// Why an upstream's answer is not its view: the status and, for a problem, its detail.
std::string failure_of(const kernel::Response& response) {
  std::string error = "HTTP " + std::to_string(response.status);
  if (auto problem = object_of(response.body)) {
    if (auto it = problem->find("detail"); it != problem->end() && it->value().is_string()) {
      error += ": " + std::string(it->value().get_string());
    }
  }
  return error;
}

json::object merged(const Plan& plan, std::vector<ProcessAnswer> answers) {
  switch (plan.view) {
    case View::status:
      return merge_status(answers);
    case View::dead_letters:
      return merge_page(answers, plan.limit, IdOrder::ascending);
    case View::audit:
      return merge_page(answers, plan.limit, IdOrder::descending);
    case View::timeline:
      break;
  }
  return merge_timeline(answers);
}

// This process's answer `own` (a 200) with the upstreams' `responses`, as one answer.
kernel::Response combine(const Plan& plan, kernel::Response own,
                         std::vector<kernel::Response> responses) {
  std::vector<ProcessAnswer> answers;
  ProcessAnswer local{"local", plan.hosted, object_of(own.body), {}};
  if (!local.body) return own;  // not a view this class knows how to read: as it is
  answers.push_back(std::move(local));
  for (std::size_t i = 0; i < plan.processes.size(); ++i) {
    const auto& process = plan.processes[i];
    ProcessAnswer answer{process.url, process.modules, std::nullopt, {}};
    const auto& response = responses.at(i);
    if (response.status == 200) answer.body = object_of(response.body);
    if (!answer.body) {
      answer.error =
          response.status == 200 ? "HTTP 200 without a JSON object" : failure_of(response);
      kernel::log::warn("deployment", "the admin view of " + process.url +
                                          " is missing from the merged answer: " + answer.error);
    }
    answers.push_back(std::move(answer));
  }
  own.body = json::serialize(merged(plan, std::move(answers)));
  own.headers.set("Content-Type", "application/json");
  return own;
}

}  // namespace

DeploymentAdmin::DeploymentAdmin(
    std::vector<std::string> hosted,
    const std::map<std::string, std::shared_ptr<const http::Upstream>>& upstreams,
    http::FanOut& fan_out)
    : hosted_(std::move(hosted)), fan_out_(fan_out) {
  for (const auto& [module, upstream] : upstreams) {
    auto url = "http://" + upstream->authority + upstream->base_path;
    auto same = std::find_if(processes_.begin(), processes_.end(),
                             [&](const Process& process) { return process.url == url; });
    if (same == processes_.end()) {
      processes_.push_back({url, {module}, upstream});
    } else {
      same->modules.push_back(module);
    }
  }
}

bool DeploymentAdmin::merges(const kernel::Request& request) const {
  return !processes_.empty() && view_of(request) && !forward::asks_local_scope(request);
}

kernel::Response DeploymentAdmin::merge(const kernel::Request& request,
                                        kernel::Response local) const {
  if (!local.is_deferred() && local.status != 200) return local;
  auto view = view_of(request);
  if (!view) return local;
  auto plan = std::make_shared<Plan>();
  plan->view = *view;
  if (*view == View::dead_letters || *view == View::audit) {
    try {
      plan->limit = kernel::parse_page(request).limit;
    } catch (const kernel::ApiError&) {
      return local;  // this process accepted what the page parser refuses: its answer stands
    }
  }
  plan->hosted = hosted_;
  plan->processes = processes_;
  auto target = request.target;
  target += target.find('?') == std::string::npos ? "?scope=local" : "&scope=local";
  kernel::Headers headers;
  const auto forwarded = forward::upstream_request_headers(request);
  for (const auto& [name, value] : forwarded.all()) {
    if (!not_asked(name)) headers.add(name, value);
  }
  for (const auto& process : processes_) {
    plan->calls.push_back(
        http::UpstreamCall{process.upstream, "GET", target, headers, {}, request.request_id});
  }

  auto route = local.route;
  auto* fan_out = &fan_out_;
  auto answer = kernel::Response::deferred(
      [plan, fan_out, local = std::move(local)](kernel::Reply reply) mutable {
        auto gather = [plan, fan_out, reply](kernel::Response own) {
          if (own.status != 200) return reply(std::move(own));
          fan_out->send(plan->calls, [plan, own = std::move(own),
                                      reply](std::vector<kernel::Response> responses) mutable {
            auto own_route = own.route;
            kernel::Response ready;
            try {
              ready = combine(*plan, std::move(own), std::move(responses));
            } catch (const std::exception& error) {
              kernel::log::error("deployment", std::string("merging failed: ") + error.what());
              ready = kernel::problem_response(500, kernel::status_title(500),
                                               "The server failed to merge the processes' views.");
              ready.route = own_route;
            }
            reply(std::move(ready));
          });
        };
        if (!local.is_deferred()) return gather(std::move(local));
        auto later = std::move(local.later);
        later(std::move(gather));
      });
  answer.route = route;
  return answer;
}

}  // namespace mart::deployment
