#include "admin_routes.hpp"

#include <eventbus/timeline_json.hpp>
#include <kernel/json_body.hpp>
#include <kernel/pagination.hpp>
#include <kernel/problem.hpp>
#include <kernel/sealed_text.hpp>
#include <kernel/text.hpp>
#include <kernel/time.hpp>

#include <boost/json/parse.hpp>

#include <charconv>
#include <utility>

namespace mart {
namespace {

constexpr std::size_t kMaxReasonChars = 500;
constexpr std::size_t kMaxKeyBytes = 200;
constexpr std::size_t kMaxDeliveryIds = 100;
constexpr std::size_t kMaxEventIdBytes = 64;

std::string rfc3339(std::int64_t ms) {
  return kernel::format_rfc3339(kernel::from_unix_millis(ms));
}

// The {id} of a dead-letter route: anything but a positive integer names no dead letter.
std::int64_t dead_letter_id(const kernel::Request& request) {
  auto text = request.param("id");
  std::int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id <= 0) {
    throw kernel::ApiError::not_found("Dead letter " + std::string(text) + " not found.");
  }
  return id;
}

eventbus::ParkedStatus status_filter(const kernel::Request& request) {
  auto status = request.query_param("status");
  if (!status || *status == "dead") return eventbus::ParkedStatus::dead;
  if (*status == "pending") return eventbus::ParkedStatus::pending;
  if (*status == "discarded") return eventbus::ParkedStatus::discarded;
  throw kernel::ApiError(400, "Bad Request", "status must be pending, dead or discarded.",
                         {{"status", "must be pending, dead or discarded"}});
}

// Whether the comma-separated `list` names `name`.
bool listed(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    auto comma = list.find(',');
    if (kernel::trim_view(list.substr(0, comma)) == name) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

std::size_t utf8_chars(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char byte : text) n += (byte & 0xC0) != 0x80;
  return n;
}

// {"reason": "..."}: 1..500 characters once trimmed.
std::string discard_reason(const kernel::Request& request) {
  auto body = kernel::JsonBody::parse(request);
  auto fail = [](std::string message) -> kernel::ApiError {
    return {400, "Bad Request", "reason " + message + ".", {{"reason", message}}};
  };
  const auto* value = body.value("reason");
  if (!value || value->is_null()) throw fail("is required");
  if (!value->is_string()) throw fail("must be a string");
  auto reason = kernel::trim(std::string_view(value->as_string()));
  if (reason.empty()) throw fail("must not be blank");
  if (utf8_chars(reason) > kMaxReasonChars) throw fail("must be at most 500 characters");
  return reason;
}

boost::json::object to_json(const eventbus::AuditEntry& a) {
  return {{"id", a.id},
          {"action", a.action},
          {"dead_letter_id", a.dead_letter_id},
          {"module", a.module},
          {"subscriber", a.subscriber},
          {"event_id", a.event_id},
          {"event_type", a.event_type},
          {"actor_user_id",
           a.actor_user_id ? boost::json::value(*a.actor_user_id) : boost::json::value(nullptr)},
          {"reason", a.reason ? boost::json::value(*a.reason) : boost::json::value(nullptr)},
          {"outcome", a.outcome},
          {"at", rfc3339(a.at_ms)}};
}

}  // namespace

boost::json::object deliveries_answer(eventbus::Bus& bus, std::string_view ids_text) {
  std::vector<std::string> ids;
  for (auto rest = ids_text; !rest.empty();) {
    auto comma = rest.find(',');
    auto id = kernel::trim_view(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (id.empty() || id.size() > kMaxEventIdBytes) {
      throw kernel::ApiError(400, "Bad Request", "ids must be event ids, comma-separated.",
                             {{"ids", "holds an empty or overlong id"}});
    }
    ids.emplace_back(id);
  }
  if (ids.empty() || ids.size() > kMaxDeliveryIds) {
    throw kernel::ApiError(400, "Bad Request", "ids must name 1 to 100 events.",
                           {{"ids", ids.empty() ? "is required" : "names over 100 events"}});
  }
  boost::json::array events;
  for (const auto& entry : bus.deliveries_of(ids)) {
    events.push_back(eventbus::deliveries_json(entry));
  }
  return boost::json::object{{"events", std::move(events)}};
}

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
  o["parked_at"] = rfc3339(p.parked_ms);
  o["updated_at"] = rfc3339(p.updated_ms);
  o["event"] = boost::json::object{{"id", p.event.id},
                                   {"type", p.event.type},
                                   {"source", p.event.source},
                                   {"key", p.event.key},
                                   {"correlation_id", p.event.correlation_id},
                                   {"occurred_at", rfc3339(p.event.occurred_ms)},
                                   {"data", std::move(data)}};
  o["history"] = eventbus::attempts_json(p.history);
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
          // On what this module's subscribers wait: failed deliveries per subscriber and type.
          boost::json::array subscribers;
          if (auto* module_bus = bus.find(s.module)) {
            for (const auto& w : module_bus->waiting()) {
              subscribers.push_back(boost::json::object{{"subscriber", w.subscriber},
                                                        {"event_type", w.event_type},
                                                        {"retrying", w.pending},
                                                        {"dead_letters", w.dead},
                                                        {"last_error", w.last_error}});
            }
          }
          modules.push_back(boost::json::object{
              {"module", s.module},
              {"outbox_waiting", s.outbox_waiting},
              {"oldest_waiting_age_ms", s.oldest_waiting_age_ms},
              {"retrying", s.retrying},
              {"dead_letters", s.dead_letters},
              {"mirror_lag", lag ? boost::json::value(*lag) : boost::json::value(nullptr)},
              {"subscribers", std::move(subscribers)}});
        }
        return kernel::Response::json(
            200, boost::json::object{{"relay", bus.running() ? "running" : "stopped"},
                                     {"modules", modules}});
      },
      kernel::Access::admin);

  router.get(
      "/api/v1/admin/dead-letters",
      [&bus](kernel::Request& request) {
        auto status = status_filter(request);
        auto page = kernel::parse_page(request);
        auto parked = bus.dead_letters(page.after, page.limit + 1, status);
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
        auto id = dead_letter_id(request);
        using Result = eventbus::Bus::ReplayOutcome::Result;
        eventbus::Bus::ReplayOutcome outcome;
        try {
          outcome = bus.replay(id, eventbus::Operator{request.caller().user_id});
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
        throw kernel::ApiError::conflict("Event " + std::to_string(id) + " is not a dead letter: " +
                                         (outcome.entry && outcome.entry->status == "discarded"
                                              ? "it was discarded."
                                              : "it is still being retried."));
      },
      kernel::Access::admin);

  router.post(
      "/api/v1/admin/dead-letters/{id}/discard",
      [&bus](kernel::Request& request) {
        auto id = dead_letter_id(request);
        auto reason = discard_reason(request);
        eventbus::Bus::DiscardOutcome outcome;
        try {
          outcome = bus.discard(id, reason, eventbus::Operator{request.caller().user_id});
        } catch (const std::out_of_range&) {
          throw kernel::ApiError::not_found("Dead letter " + std::to_string(id) + " not found.");
        }
        if (outcome.result == eventbus::Bus::DiscardOutcome::Result::discarded) {
          return kernel::Response::json(200,
                                        boost::json::object{{"id", id}, {"status", "discarded"}});
        }
        throw kernel::ApiError::conflict("Event " + std::to_string(id) + " is not a dead letter: " +
                                         (outcome.entry.status == "discarded"
                                              ? "it was discarded already."
                                              : "it is still being retried."));
      },
      kernel::Access::admin);

  // Who replayed or discarded which dead letter, newest first (the cursor carries the last
  // entry's audit_position, which any process can page on from).
  router.get(
      "/api/v1/admin/audit",
      [&bus](kernel::Request& request) {
        auto page = kernel::parse_page(request);
        auto entries = bus.audit(page.after, page.limit + 1);
        std::optional<std::int64_t> next;
        if (static_cast<int>(entries.size()) > page.limit) {
          entries.resize(static_cast<std::size_t>(page.limit));
          next = eventbus::audit_position(entries.back());
        }
        boost::json::array items;
        for (const auto& a : entries) items.push_back(to_json(a));
        return kernel::page_response(std::move(items), next);
      },
      kernel::Access::admin);

  // Every event keyed K in this process's outboxes, whoever published it (or only those of
  // ?source=a,b), with its deliveries.
  router.get(
      "/api/v1/admin/events/timeline",
      [&bus](kernel::Request& request) {
        auto key = request.query_param("key");
        if (!key || key->empty() || key->size() > kMaxKeyBytes) {
          throw kernel::ApiError(
              400, "Bad Request", "key must be 1 to 200 bytes.",
              {{"key", key && !key->empty() ? "must be at most 200 bytes" : "is required"}});
        }
        auto sources = bus.hosted_modules();
        if (auto only = request.query_param("source")) {
          std::erase_if(sources, [&](const std::string& s) { return !listed(*only, s); });
        }
        boost::json::array events;
        for (const auto& entry :
             bus.events_for_key(*key, sources, [](std::string_view) { return true; })) {
          events.push_back(eventbus::timeline_event_json(entry));
        }
        return kernel::Response::json(
            200, boost::json::object{{"key", *key}, {"events", std::move(events)}});
      },
      kernel::Access::admin);

  // What this process's subscribers did with the events named (?ids=a,b), wherever they were
  // published: split mode's merged timeline asks every process (docs/operations.md).
  router.get(
      "/api/v1/admin/events/deliveries",
      [&bus](kernel::Request& request) {
        auto list = request.query_param("ids");
        return kernel::Response::json(200, deliveries_answer(bus, list ? *list : ""));
      },
      kernel::Access::admin);
}

}  // namespace mart
