#include "kernel/router.hpp"

#include "kernel/log.hpp"
#include "kernel/problem.hpp"

#include <algorithm>

namespace kernel {
namespace {

// The segments of a path; every one is kept, empty ones too ("/a//b/" has "a", "", "b", ""), so
// that only the canonical spelling matches a route. The root "/" has none.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.empty()) return segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// is_canonical_path() for a path already split (the router's read path splits it once).
bool is_canonical(std::string_view path, const std::vector<std::string_view>& segments) {
  if (!path.starts_with('/')) return false;
  if (path.find('%') != std::string_view::npos) return false;
  return std::none_of(segments.begin(), segments.end(), [](std::string_view segment) {
    return segment.empty() || segment == "." || segment == "..";
  });
}

}  // namespace

bool is_canonical_path(std::string_view path) {
  return is_canonical(path, split_path(path));
}

void Router::add(std::string method, std::string_view pattern, Handler handler, Access access) {
  Route route{std::move(method), std::string(pattern), {}, std::move(handler), access};
  for (auto segment : split_path(pattern)) route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
}

bool Router::match(const Route& route, const std::vector<std::string_view>& segments,
                   std::vector<std::pair<std::string, std::string>>* params) {
  if (route.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& expected = route.segments[i];
    if (is_param(expected)) {
      if (params) params->emplace_back(expected.substr(1, expected.size() - 2), segments[i]);
    } else if (expected != segments[i]) {
      return false;
    }
  }
  return true;
}

std::string Router::route_template(const Request& request) const {
  auto segments = split_path(request.path);
  if (!request.path_canonical || !is_canonical(request.path, segments)) return {};
  for (const auto& route : routes_) {
    if (match(route, segments, nullptr)) return route.pattern;
  }
  return {};
}

Response Router::dispatch(Request& request) const {
  auto segments = split_path(request.path);
  std::string allowed;
  Response response;
  const Route* chosen = nullptr;
  // Another spelling of a path (is_canonical_path) matches no route: 404.
  const bool canonical = request.path_canonical && is_canonical(request.path, segments);
  for (const auto& route : routes_) {
    if (!canonical) break;
    if (!match(route, segments, nullptr)) continue;
    if (route.method == request.method || (request.method == "HEAD" && route.method == "GET")) {
      chosen = &route;
      break;
    }
    if (allowed.find(route.method) == std::string::npos) {
      if (!allowed.empty()) allowed += ", ";
      allowed += route.method;
    }
  }
  if (chosen) {
    request.path_params.clear();
    match(*chosen, segments, &request.path_params);
    try {
      if (chosen->access != Access::anyone && !request.principal) {
        throw ApiError(401, "Unauthorized", "This route needs a bearer token.");
      }
      if (chosen->access == Access::admin && !request.principal->is_admin()) {
        throw ApiError(403, "Forbidden", "This route is for administrators.");
      }
      response = chosen->handler(request);
    } catch (...) {
      response = problem_for(std::current_exception(), chosen->pattern, request.request_id);
    }
  } else if (!allowed.empty()) {
    response = problem_response(405, "Method Not Allowed",
                                "Method " + request.method + " is not allowed on this path.");
    response.headers.set("Allow", allowed);
  } else {
    response = problem_response(404, "Not Found", "No route matches " + request.path + ".");
  }
  auto route = chosen ? chosen->pattern : (allowed.empty() ? "unmatched" : "");
  if (route.empty()) route = route_template(request);
  // The request outlives a deferred answer (see Response::later).
  amend(response, [route = std::move(route), &request](Response& ready) mutable {
    ready.route = std::move(route);
    if (!request.request_id.empty()) ready.headers.set("X-Request-Id", request.request_id);
  });
  return response;
}

}  // namespace kernel
