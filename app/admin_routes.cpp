#include "admin_routes.hpp"

#include <kernel/pagination.hpp>
#include <kernel/problem.hpp>
#include <kernel/sealed_text.hpp>
#include <kernel/time.hpp>

#include <boost/json/parse.hpp>

#include <charconv>
#include <utility>

namespace mart {

boost::json::object to_json(const eventbus::ParkedEvent& p) {
  // Shown to operators (and printed by `mart dead-letters list`): never the card token.
  auto data = boost::json::parse(p.event.payload);
  kernel::sealed_text::redact(data);
  boost::json::object o;
  o["id"] = p.id;
  o["module"] = p.module;
  o["subscriber"] = p.subscriber;
  o["status"] = p.status;
  o["attempts"] = p.attempts;
  o["last_error"] = p.last_error;
  o["parked_at"] = kernel::format_rfc3339(kernel::from_unix_millis(p.parked_ms));
  o["updated_at"] = kernel::format_rfc3339(kernel::from_unix_millis(p.updated_ms));
  o["event"] = boost::json::object{
      {"id", p.event.id},
      {"type", p.event.type},
      {"source", p.event.source},
      {"key", p.event.key},
      {"correlation_id", p.event.correlation_id},
      {"occurred_at", kernel::format_rfc3339(kernel::from_unix_millis(p.event.occurred_ms))},
      {"data", std::move(data)}};
  return o;
}

void add_admin_routes(
    kernel::Router& router, eventbus::Bus& bus,
    std::function<std::optional<std::int64_t>(std::string_view module)> mirror_lag) {
  router.get(
      "/api/v1/admin/events/status",
      [&bus, mirror_lag = std::move(mirror_lag)](kernel::Request&) {
        boost::json::array modules;
        for (const auto& s : bus.status()) {
          auto lag = mirror_lag ? mirror_lag(s.module) : std::nullopt;
          modules.push_back(boost::json::object{
              {"module", s.module},
              {"outbox_waiting", s.outbox_waiting},
              {"oldest_waiting_age_ms", s.oldest_waiting_age_ms},
              {"retrying", s.retrying},
              {"dead_letters", s.dead_letters},
              {"mirror_lag", lag ? boost::json::value(*lag) : boost::json::value(nullptr)}});
        }
        return kernel::Response::json(
            200, boost::json::object{{"relay", bus.running() ? "running" : "stopped"},
                                     {"modules", modules}});
      },
      kernel::Access::admin);

  router.get(
      "/api/v1/admin/dead-letters",
      [&bus](kernel::Request& request) {
        auto page = kernel::parse_page(request);
        auto parked = bus.dead_letters(page.after, page.limit + 1);
        std::optional<std::int64_t> next;
        if (static_cast<int>(parked.size()) > page.limit) {
          parked.resize(static_cast<std::size_t>(page.limit));
          next = parked.back().id;
        }
        boost::json::array items;
        for (const auto& p : parked) items.push_back(to_json(p));
        return kernel::page_response(std::move(items), next);
      },
      kernel::Access::admin);

  router.post(
      "/api/v1/admin/dead-letters/{id}/replay",
      [&bus](kernel::Request& request) {
        auto text = request.param("id");
        std::int64_t id = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
        if (ec != std::errc() || ptr != text.data() + text.size() || id <= 0) {
          throw kernel::ApiError::not_found("Dead letter " + std::to_string(id) + " not found.");
        }
        using Result = eventbus::Bus::ReplayOutcome::Result;
        eventbus::Bus::ReplayOutcome outcome;
        try {
          outcome = bus.replay(id);
        } catch (const std::out_of_range&) {
          throw kernel::ApiError::not_found("Dead letter " + std::to_string(id) + " not found.");
        }
        switch (outcome.result) {
          case Result::delivered:
            return kernel::Response::json(200,
                                          boost::json::object{{"id", id}, {"status", "delivered"}});
          case Result::failed_again: {
            auto body = to_json(*outcome.entry);
            body["status"] = "retrying";
            return kernel::Response::json(200, body);
          }
          case Result::not_dead:
            break;
        }
        throw kernel::ApiError::conflict("Event " + std::to_string(id) +
                                         " is not a dead letter: it is still being retried.");
      },
      kernel::Access::admin);
}

}  // namespace mart
