#include "http/routes.hpp"

#include <eventbus/request_trace.hpp>
#include <kernel/pagination.hpp>
#include <kernel/problem.hpp>

#include <boost/json/object.hpp>

namespace notifications::http {
namespace {

constexpr std::string_view kBase = "/api/v1/notifications";

boost::json::object to_json(const Notification& n) {
  boost::json::object o;
  o["id"] = n.id;
  o["user_id"] = n.user_id;
  o["event_type"] = n.event_type;
  o["order_id"] = n.order_id;
  o["message"] = n.message;
  o["channel"] = n.channel;
  o["status"] = n.status;
  o["read"] = n.read;
  o["created_at"] = n.created_at;
  if (n.delivered_at) {
    o["delivered_at"] = *n.delivered_at;
  } else {
    o["delivered_at"] = nullptr;
  }
  return o;
}

std::int64_t notification_id(const kernel::Request& request) {
  return request.id_param("id", "Notification");
}

}  // namespace

void add_routes(kernel::Router& router, NotificationLog& log) {
  router.get(
      kBase,
      [&log](kernel::Request& request) {
        auto page = kernel::parse_page(request);
        auto result = log.list(request.caller().user_id, page.after, page.limit);
        boost::json::array items;
        for (const auto& n : result.items) items.push_back(to_json(n));
        return kernel::page_response(std::move(items), result.next_before);
      },
      kernel::Access::user);

  router.post(
      std::string(kBase) + "/{id}/read",
      [&log](kernel::Request& request) {
        // Answered once the notifications writer has committed; this I/O thread never waits for
        // the write lock (a delivery may hold it).
        return kernel::Response::deferred([&log, id = notification_id(request),
                                           user_id = request.caller().user_id,
                                           trace = eventbus::trace_of(request),
                                           request_id = request.request_id,
                                           route = request.path](kernel::Reply reply) mutable {
          log.mark_read_queued(id, user_id, std::move(trace),
                               [reply = std::move(reply), request_id, route](
                                   std::optional<Notification> n, const std::exception_ptr& error) {
                                 if (error)
                                   return reply(kernel::problem_for(error, route, request_id));
                                 reply(kernel::Response::json(200, to_json(*n)));
                               });
        });
      },
      kernel::Access::user);
}

}  // namespace notifications::http
