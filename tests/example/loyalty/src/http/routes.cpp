#include "http/routes.hpp"

#include "store/points_store.hpp"

#include <boost/json/object.hpp>

namespace loyalty::http {

void add_routes(kernel::Router& router, eventbus::ModuleBus& bus) {
  // The caller's balance: JSON in, a plain call, JSON out.
  router.get(
      "/api/v1/loyalty/points",
      [&bus](kernel::Request& request) {
        auto user_id = request.caller().user_id;
        std::int64_t points = 0;
        bus.db().read([&](kernel::Connection& c) { points = store::balance(c, user_id); });
        boost::json::object body;
        body["user_id"] = user_id;
        body["points"] = points;
        return kernel::Response::json(200, body);
      },
      kernel::Access::user);
}

}  // namespace loyalty::http
