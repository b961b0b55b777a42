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

// What the merge needs once the answers are in (shared by the callbacks, read only).
struct MergePlan {
  enum class View { status, dead_letters, audit, timeline };
  View view = View::status;
  int limit = 20;
  Positions from;           // listings: where each process stands
  bool bad_cursor = false;  // listings: a cursor that no merge made
  std::vector<std::string> hosted;
  std::vector<DeploymentAdmin::Process> processes;
  std::vector<http::UpstreamCall> calls;  // one per process, in the same order
};

namespace {

using View = MergePlan::View;

namespace json = boost::json;

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

// The target an upstream is asked: the caller's, with ?scope=local and, for a listing, the
// upstream's own cursor in place of the merged one. The query's other parameters go as they came.
std::string upstream_target(std::string_view target, const std::optional<std::string>& cursor,
                            bool listing) {
  auto question = target.find('?');
  std::string out(target.substr(0, question));
  std::string query;
  auto add = [&](std::string_view parameter) {
    query += query.empty() ? "?" : "&";
    query += parameter;
  };
  if (question != std::string_view::npos) {
    auto rest = target.substr(question + 1);
    while (!rest.empty()) {
      auto amp = rest.find('&');
      auto parameter = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      auto name = parameter.substr(0, parameter.find('='));
      if (name == "scope" || (listing && name == "cursor") || parameter.empty()) continue;
      add(parameter);
    }
  }
  if (cursor) add("cursor=" + *cursor);  // base64url: nothing to escape
  add("scope=local");
  return out + query;
}

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

json::object merged(const MergePlan& plan, std::vector<ProcessAnswer> answers) {
  switch (plan.view) {
    case View::status:
      return merge_status(answers);
    case View::dead_letters:
      return merge_page(answers, plan.limit, PageOrder::id_ascending, plan.from);
    case View::audit:
      return merge_page(answers, plan.limit, PageOrder::newest_first, plan.from);
    case View::timeline:
      break;
  }
  return merge_timeline(answers);
}

// Each process's answer: this one's `own` (a 200) first, then the upstreams' `responses` (one
// per process, in order). Nothing when `own` is not a view this class can read.
std::optional<std::vector<ProcessAnswer>> answers_of(const MergePlan& plan,
                                                     const kernel::Response& own,
                                                     std::vector<kernel::Response> responses) {
  std::vector<ProcessAnswer> answers;
  ProcessAnswer local{"local", plan.hosted, object_of(own.body), {}};
  if (!local.body) return std::nullopt;
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
  return answers;
}

kernel::Response with_body(kernel::Response own, const json::object& body) {
  own.body = json::serialize(body);
  own.headers.set("Content-Type", "application/json");
  return own;
}

// A merge that failed (a bug): said so, never half an answer.
kernel::Response merge_failed(const std::string& route, const std::exception& error) {
  kernel::log::error("deployment", std::string("merging failed: ") + error.what());
  auto failed = kernel::problem_response(500, kernel::status_title(500),
                                         "The server failed to merge the processes' views.");
  failed.route = route;
  return failed;
}

// The timeline's second round: every process is asked what its subscribers did with the
// events the first round found (an event is in its publisher's outbox only, but handled in
// the processes that consume it). At most this many ids per call.
constexpr std::size_t kIdsPerCall = 100;

std::vector<std::string> id_lists(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i % kIdsPerCall == 0) out.emplace_back();
    if (!out.back().empty()) out.back() += ',';
    out.back() += ids[i];  // UUIDs: nothing to escape
  }
  return out;
}

// The second round of a timeline (see kIdsPerCall), then the merged answer.
void ask_deliveries(const std::shared_ptr<const MergePlan>& plan, http::FanOut& fan_out,
                    const DeploymentAdmin::LocalDeliveries& local_deliveries, kernel::Response own,
                    std::vector<ProcessAnswer> answers, kernel::Reply reply) {
  auto lists = id_lists(timeline_ids(answers));
  std::vector<ProcessAnswer> deliveries;
  try {
    if (local_deliveries && !plan->hosted.empty()) {
      for (const auto& ids : lists) {
        deliveries.push_back({"local", plan->hosted, local_deliveries(ids), {}});
      }
    }
  } catch (const std::exception& error) {
    return reply(merge_failed(own.route, error));
  }
  std::vector<http::UpstreamCall> calls;
  std::vector<std::size_t> process_of;  // calls[i] asks plan->processes[process_of[i]]
  for (std::size_t p = 0; p < plan->processes.size(); ++p) {
    if (!answers.at(p + 1).body) continue;  // it gave nothing the first time: named already
    for (const auto& ids : lists) {
      auto call = plan->calls.at(p);
      call.target = "/api/v1/admin/events/deliveries?ids=" + ids;
      calls.push_back(std::move(call));
      process_of.push_back(p);
    }
  }
  auto finish = [plan, own = std::move(own), answers = std::move(answers),
                 deliveries = std::move(deliveries), process_of,
                 reply](std::vector<kernel::Response> responses) mutable {
    try {
      for (std::size_t i = 0; i < responses.size(); ++i) {
        const auto& process = plan->processes.at(process_of.at(i));
        ProcessAnswer answer{process.url, process.modules, std::nullopt, {}};
        if (responses[i].status == 200) answer.body = object_of(responses[i].body);
        if (!answer.body) answer.error = "deliveries: " + failure_of(responses[i]);
        deliveries.push_back(std::move(answer));
      }
      reply(with_body(std::move(own), merge_timeline(answers, deliveries)));
    } catch (const std::exception& error) {
      reply(merge_failed(own.route, error));
    }
  };
  if (calls.empty()) return finish({});
  fan_out.send(std::move(calls), std::move(finish));
}

}  // namespace

DeploymentAdmin::DeploymentAdmin(
    std::vector<std::string> hosted,
    const std::map<std::string, std::shared_ptr<const http::Upstream>>& upstreams,
    http::FanOut& fan_out, LocalDeliveries local_deliveries)
    : hosted_(std::move(hosted)),
      fan_out_(fan_out),
      local_deliveries_(std::move(local_deliveries)) {
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

DeploymentAdmin::Merge DeploymentAdmin::begin(kernel::Request& request) const {
  auto view = view_of(request);
  if (processes_.empty() || !view || forward::asks_local_scope(request)) return nullptr;
  auto plan = std::make_shared<MergePlan>();
  plan->view = *view;
  plan->hosted = hosted_;
  plan->processes = processes_;
  const bool listing = *view == View::dead_letters || *view == View::audit;
  if (listing) {
    if (auto cursor = request.query_param("cursor")) {
      auto positions = decode_positions(*cursor);
      if (positions) {
        plan->from = std::move(*positions);
      } else {
        plan->bad_cursor = true;  // answered 400 once this process has checked the caller
      }
    }
    std::erase_if(request.query, [](const auto& pair) { return pair.first == "cursor"; });
    if (auto own = plan->from.find("local"); own != plan->from.end()) {
      request.query.emplace_back("cursor", own->second);
    }
    try {
      plan->limit = kernel::parse_page(request).limit;
    } catch (const kernel::ApiError&) {
      return nullptr;  // a bad limit: this process's answer says so
    }
  }
  const auto forwarded = forward::upstream_request_headers(request);
  kernel::Headers headers;
  for (const auto& [name, value] : forwarded.all()) {
    if (!not_asked(name)) headers.add(name, value);
  }
  for (const auto& process : processes_) {
    std::optional<std::string> cursor;
    if (listing) {
      if (auto at = plan->from.find(process.url); at != plan->from.end()) cursor = at->second;
    }
    plan->calls.push_back(http::UpstreamCall{process.upstream,
                                             "GET",
                                             upstream_target(request.target, cursor, listing),
                                             headers,
                                             {},
                                             request.request_id});
  }
  return plan;
}

kernel::Response DeploymentAdmin::finish(const Merge& merge, kernel::Response local) const {
  if (!merge || (!local.is_deferred() && local.status != 200)) return local;
  auto route = local.route;
  auto* fan_out = &fan_out_;
  auto local_deliveries = local_deliveries_;
  auto answer = kernel::Response::deferred([plan = merge, fan_out, local_deliveries,
                                            local = std::move(local)](kernel::Reply reply) mutable {
    auto gather = [plan, fan_out, local_deliveries, reply](kernel::Response own) {
      if (own.status != 200) return reply(std::move(own));
      if (plan->bad_cursor) {
        auto refusal = kernel::problem_response(
            kernel::ApiError::bad_request("The cursor is not one this server issued."));
        refusal.route = own.route;
        return reply(std::move(refusal));
      }
      fan_out->send(plan->calls, [plan, fan_out, local_deliveries, own = std::move(own),
                                  reply](std::vector<kernel::Response> responses) mutable {
        std::optional<std::vector<ProcessAnswer>> answers;
        try {
          answers = answers_of(*plan, own, std::move(responses));
          if (!answers) return reply(std::move(own));
          if (plan->view != View::timeline) {
            return reply(with_body(std::move(own), merged(*plan, std::move(*answers))));
          }
        } catch (const std::exception& error) {
          return reply(merge_failed(own.route, error));
        }
        ask_deliveries(plan, *fan_out, local_deliveries, std::move(own), std::move(*answers),
                       std::move(reply));
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
