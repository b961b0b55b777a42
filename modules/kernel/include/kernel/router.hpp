#pragma once
// Method + path-template routing ("/api/v1/products/{id}"). Unknown paths answer 404 and known
// paths with another method 405 (with Allow), both as problem+json.

#include "kernel/http.hpp"

#include <functional>
#include <string>
#include <vector>

namespace kernel {

using Handler = std::function<Response(Request&)>;

// Whether `path` is the one spelling of a path that may reach a route: it starts with '/', has no
// empty segment (no "//", no trailing '/' except the root "/"), no "." or ".." segment and no '%'
// (Mart's routes are ASCII words and integer ids, so no route needs percent-encoding). Every other
// spelling answers 404: policies that compare paths (sign-in throttling, admin checks, the
// forwarding decision) then always see the path of the route that answers (docs/security.md).
// The HTTP adapter applies it to the path as received, before percent-decoding.
bool is_canonical_path(std::string_view path);

class Router {
 public:
  // `access` is checked before the handler runs: 401 without a principal for user and admin
  // routes, 403 for a non-admin on an admin route.
  void add(std::string method, std::string_view pattern, Handler handler,
           Access access = Access::anyone);
  void get(std::string_view pattern, Handler h, Access a = Access::anyone) {
    add("GET", pattern, std::move(h), a);
  }
  void post(std::string_view pattern, Handler h, Access a = Access::anyone) {
    add("POST", pattern, std::move(h), a);
  }
  void patch(std::string_view pattern, Handler h, Access a = Access::anyone) {
    add("PATCH", pattern, std::move(h), a);
  }
  void del(std::string_view pattern, Handler h, Access a = Access::anyone) {
    add("DELETE", pattern, std::move(h), a);
  }

  // Never throws: errors become problem responses. Sets X-Request-Id from request.request_id.
  // A path that is not canonical (request.path_canonical false, or request.path itself not
  // canonical) matches no route: 404.
  Response dispatch(Request& request) const;

  // The matched route's template, for metrics and logs ("" when none matched).
  std::string route_template(const Request& request) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    Handler handler;
    Access access;
  };
  static bool match(const Route& route, const std::vector<std::string_view>& segments,
                    std::vector<std::pair<std::string, std::string>>* params);
  std::vector<Route> routes_;
};

}  // namespace kernel
