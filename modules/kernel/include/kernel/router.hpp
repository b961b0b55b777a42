#pragma once
// Method + path-template routing ("/api/v1/products/{id}"). Unknown paths answer 404 and known
// paths with another method 405 (with Allow), both as problem+json.

#include "kernel/http.hpp"

#include <functional>
#include <string>
#include <vector>

namespace kernel {

using Handler = std::function<Response(Request&)>;

class Router {
 public:
  void add(std::string method, std::string_view pattern, Handler handler);
  void get(std::string_view pattern, Handler h) { add("GET", pattern, std::move(h)); }
  void post(std::string_view pattern, Handler h) { add("POST", pattern, std::move(h)); }
  void patch(std::string_view pattern, Handler h) { add("PATCH", pattern, std::move(h)); }
  void del(std::string_view pattern, Handler h) { add("DELETE", pattern, std::move(h)); }

  // Never throws: errors become problem responses. Sets X-Request-Id from request.request_id.
  Response dispatch(Request& request) const;

  // The matched route's template, for metrics and logs ("" when none matched).
  std::string route_template(const Request& request) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    Handler handler;
  };
  static bool match(const Route& route, const std::vector<std::string_view>& segments,
                    std::vector<std::pair<std::string, std::string>>* params);
  std::vector<Route> routes_;
};

}  // namespace kernel
