#include "deployment/admin_merge.hpp"

#include <eventbus/flow_order.hpp>

#include <kernel/base64url.hpp>
#include <kernel/pagination.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string_view>

namespace mart::deployment {
namespace {

namespace json = boost::json;

// What a merged listing's cursor starts with (before base64url), to tell it from others.
constexpr std::string_view kPositionsPrefix = "mart-positions:";

const json::array* array_at(const json::object& object, std::string_view name) {
  auto it = object.find(name);
  return it != object.end() && it->value().is_array() ? &it->value().get_array() : nullptr;
}

std::string string_at(const json::value& value, std::string_view name) {
  if (!value.is_object()) return {};
  auto it = value.get_object().find(name);
  return it != value.get_object().end() && it->value().is_string()
             ? std::string(it->value().get_string())
             : std::string();
}

std::optional<std::int64_t> id_of(const json::value& item) {
  if (!item.is_object()) return std::nullopt;
  auto it = item.get_object().find("id");
  if (it == item.get_object().end() || !it->value().is_int64()) return std::nullopt;
  return it->value().get_int64();
}

// Adds to `into` the entries of `from` whose `name` field it has not yet.
void add_missing(json::array& into, const json::array& from, std::string_view name) {
  std::set<std::string> seen;
  for (const auto& entry : into) seen.insert(string_at(entry, name));
  for (const auto& entry : from) {
    if (seen.insert(string_at(entry, name)).second) into.push_back(entry);
  }
}

json::array& array_field(json::object& object, std::string_view name) {
  auto& value = object[name];
  if (!value.is_array()) value = json::array();
  return value.get_array();
}

}  // namespace

json::array unavailable_of(const std::vector<ProcessAnswer>& answers) {
  json::array out;
  for (const auto& answer : answers) {
    if (answer.body) continue;
    json::array modules;
    for (const auto& module : answer.modules) modules.emplace_back(module);
    out.push_back(json::object{
        {"upstream", answer.upstream}, {"modules", std::move(modules)}, {"error", answer.error}});
  }
  return out;
}

json::object merge_status(const std::vector<ProcessAnswer>& answers) {
  json::array modules;
  json::array processes;
  std::set<std::string> seen;
  bool running = true;
  for (const auto& answer : answers) {
    if (!answer.body) continue;
    json::array names;
    if (const auto* reported = array_at(*answer.body, "modules")) {
      for (const auto& module : *reported) {
        auto name = string_at(module, "module");
        names.emplace_back(name);
        if (seen.insert(name).second) modules.push_back(module);
      }
    }
    json::value relay = nullptr;
    if (auto it = answer.body->find("relay"); it != answer.body->end()) relay = it->value();
    if (!(relay.is_string() && relay.get_string() == "running")) running = false;
    processes.push_back(json::object{
        {"upstream", answer.upstream}, {"modules", std::move(names)}, {"relay", relay}});
  }
  return json::object{{"relay", running ? "running" : "stopped"},
                      {"modules", std::move(modules)},
                      {"processes", std::move(processes)},
                      {"unavailable", unavailable_of(answers)}};
}

std::string encode_positions(const Positions& positions) {
  json::object object;
  for (const auto& [process, cursor] : positions) object[process] = cursor;
  return kernel::base64url_encode(std::string(kPositionsPrefix) + json::serialize(object));
}

std::optional<Positions> decode_positions(std::string_view cursor) {
  auto raw = kernel::base64url_decode(cursor);
  if (!raw || !raw->starts_with(kPositionsPrefix)) return std::nullopt;
  json::error_code ec;
  auto value = json::parse(std::string_view(*raw).substr(kPositionsPrefix.size()), ec);
  if (ec || !value.is_object()) return std::nullopt;
  Positions positions;
  for (const auto& [process, position] : value.get_object()) {
    if (!position.is_string()) return std::nullopt;
    positions.emplace(std::string(process), std::string(position.get_string()));
  }
  return positions;
}

json::object merge_page(const std::vector<ProcessAnswer>& answers, int limit, PageOrder order,
                        const Positions& from) {
  struct Candidate {
    std::int64_t id;
    std::string at;
    const json::value* item;
    const std::string* process;
  };
  std::vector<Candidate> candidates;
  bool more = false;
  for (const auto& answer : answers) {
    if (!answer.body) continue;
    if (const auto* items = array_at(*answer.body, "items")) {
      for (const auto& item : *items) {
        if (auto id = id_of(item)) {
          candidates.push_back({*id, string_at(item, "at"), &item, &answer.upstream});
        }
      }
    }
    auto next = answer.body->find("next_cursor");
    if (next != answer.body->end() && !next->value().is_null()) more = true;
  }
  std::stable_sort(candidates.begin(), candidates.end(), [&](const auto& a, const auto& b) {
    if (order == PageOrder::id_ascending) return a.id < b.id;
    if (a.at != b.at) return a.at > b.at;
    return a.id > b.id;
  });
  json::array items;
  std::set<std::int64_t> shown;
  Positions positions = from;
  for (const auto& candidate : candidates) {
    if (!shown.insert(candidate.id).second) continue;  // one item per id; the first answer's
    if (static_cast<int>(items.size()) == limit) {
      more = true;  // an item beyond the page: there is a next one
      break;
    }
    items.push_back(*candidate.item);
    positions[*candidate.process] = kernel::encode_cursor(candidate.id);
  }
  // A process with more than it answered sent a full page, so this page is full too.
  json::value next_cursor = nullptr;
  if (more && !items.empty()) next_cursor = json::string(encode_positions(positions));
  return json::object{{"items", std::move(items)},
                      {"next_cursor", std::move(next_cursor)},
                      {"unavailable", unavailable_of(answers)}};
}

std::vector<std::string> timeline_ids(const std::vector<ProcessAnswer>& answers) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& answer : answers) {
    if (!answer.body) continue;
    const auto* list = array_at(*answer.body, "events");
    if (!list) continue;
    for (const auto& event : *list) {
      auto id = string_at(event, "id");
      if (!id.empty() && seen.insert(id).second) out.push_back(std::move(id));
    }
  }
  return out;
}

json::object merge_timeline(const std::vector<ProcessAnswer>& answers,
                            const std::vector<ProcessAnswer>& deliveries) {
  json::object out;
  std::vector<json::object> events;
  std::map<std::string, std::size_t> index;  // serialized event id -> position in `events`
  for (const auto& answer : answers) {
    if (!answer.body) continue;
    if (out.empty()) {
      out = *answer.body;  // "key" and anything else the view says, as the first process said it
    }
    const auto* list = array_at(*answer.body, "events");
    if (!list) continue;
    for (const auto& value : *list) {
      if (!value.is_object()) continue;
      const auto& event = value.get_object();
      auto id_field = event.find("id");
      auto id = id_field == event.end() ? std::string() : json::serialize(id_field->value());
      auto [at, fresh] = index.emplace(id, events.size());
      if (fresh) {
        events.push_back(event);
        continue;
      }
      auto& known = events[at->second];
      if (const auto* handled = array_at(event, "handled_by")) {
        add_missing(array_field(known, "handled_by"), *handled, "subscriber");
      }
      if (const auto* waiting = array_at(event, "waiting")) {
        add_missing(array_field(known, "waiting"), *waiting, "subscriber");
      }
    }
  }
  // Stubs {"id", "handled_by", "waiting"} from the processes that consumed an event published
  // elsewhere: to the events already known only.
  for (const auto& answer : deliveries) {
    if (!answer.body) continue;
    const auto* list = array_at(*answer.body, "events");
    if (!list) continue;
    for (const auto& stub : *list) {
      if (!stub.is_object()) continue;
      auto id_field = stub.get_object().find("id");
      if (id_field == stub.get_object().end()) continue;
      auto at = index.find(json::serialize(id_field->value()));
      if (at == index.end()) continue;
      auto& known = events[at->second];
      if (const auto* handled = array_at(stub.get_object(), "handled_by")) {
        add_missing(array_field(known, "handled_by"), *handled, "subscriber");
      }
      if (const auto* waiting = array_at(stub.get_object(), "waiting")) {
        add_missing(array_field(known, "waiting"), *waiting, "subscriber");
      }
    }
  }
  for (auto& event : events) {
    if (auto it = event.find("handled_by"); it != event.end() && it->value().is_array()) {
      auto& handled = it->value().get_array();
      std::stable_sort(handled.begin(), handled.end(), [](const auto& a, const auto& b) {
        return string_at(a, "handled_at") < string_at(b, "handled_at");
      });
    }
  }
  // RFC 3339 times in one format (UTC, milliseconds) order as text.
  auto id_text = [](const json::object& event) {
    auto it = event.find("id");
    return it == event.end() ? std::string() : json::serialize(it->value());
  };
  auto cause_text = [](const json::object& event) {
    auto it = event.find("causation_id");
    return it == event.end() || it->value().is_null() ? std::string("-")
                                                      : json::serialize(it->value());
  };
  eventbus::order_by_flow(
      events.begin(), events.end(),
      [](const json::object& e) {
        auto it = e.find("time");
        return it != e.end() && it->value().is_string() ? std::string_view(it->value().get_string())
                                                        : std::string_view();
      },
      id_text, cause_text);
  json::array merged;
  for (auto& event : events) merged.emplace_back(std::move(event));
  out["events"] = std::move(merged);
  auto unavailable = unavailable_of(answers);
  std::set<std::string> named;
  for (const auto& entry : unavailable) named.insert(string_at(entry, "upstream"));
  for (auto& entry : unavailable_of(deliveries)) {
    if (named.insert(string_at(entry, "upstream")).second) unavailable.push_back(std::move(entry));
  }
  out["unavailable"] = std::move(unavailable);
  return out;
}

}  // namespace mart::deployment
