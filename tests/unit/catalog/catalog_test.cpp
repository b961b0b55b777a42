// The catalogue describes every event type of the events headers, as docs/events.md documents them.

#include "catalog/event_catalog.hpp"
#include "source_file.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

using catalog::EventType;
using catalog::JsonType;

std::set<std::string> catalogue_types() {
  std::set<std::string> types;
  for (const auto& event : catalog::all_event_types()) types.insert(event.type);
  return types;
}

// Every `kType = "..."` of modules/*/events/include/*/events.hpp.
std::set<std::string> types_declared_in_events_headers() {
  std::set<std::string> types;
  const std::regex declaration(R"(kType\s*=\s*"([^"]+)\")");
  const auto modules = catalog::test::source_path("modules");
  for (const auto& module : std::filesystem::directory_iterator(modules)) {
    const auto header =
        module.path() / "events" / "include" / module.path().filename() / "events.hpp";
    if (!std::filesystem::exists(header)) continue;
    const auto text = catalog::test::read_source_file(
        std::filesystem::relative(header, catalog::test::source_path("")).string());
    for (std::sregex_iterator it(text.begin(), text.end(), declaration), end; it != end; ++it) {
      types.insert((*it)[1].str());
    }
  }
  return types;
}

struct DocumentedEvent {
  std::string topic;
  std::string key;
};

// docs/events.md: one "### `type`" section per event, with a "| topic / key | `T` / `k` |" row.
std::map<std::string, DocumentedEvent> events_documented_in_events_md() {
  std::map<std::string, DocumentedEvent> events;
  const std::regex heading(R"(^### `([^`]+)`\s*$)");
  const std::regex topic_key(R"(^\| topic / key \| `([^`]+)` / `([^`]+)` \|)");
  std::istringstream text(catalog::test::read_source_file("docs/events.md"));
  std::string line;
  std::string current;
  std::smatch match;
  while (std::getline(text, line)) {
    if (std::regex_match(line, match, heading)) {
      current = match[1].str();
      events[current];
    } else if (!current.empty() && std::regex_search(line, match, topic_key)) {
      events[current] = DocumentedEvent{match[1].str(), match[2].str()};
    }
  }
  return events;
}

const catalog::Field* field_named(const catalog::Schema& schema, const std::string& name) {
  const auto it = std::find_if(schema.fields.begin(), schema.fields.end(),
                               [&](const catalog::Field& f) { return f.name == name; });
  return it == schema.fields.end() ? nullptr : &*it;
}

}  // namespace

TEST_SUITE("catalog") {
  TEST_CASE(
      "[EventCatalog] lists each type once, named <module>.<event>.v<N>, on its module's topic") {
    const std::map<std::string, std::string> topic_of_module{
        {"users", "UserEvents"},          {"products", "ProductEvents"},
        {"inventory", "InventoryEvents"}, {"orders", "OrderEvents"},
        {"payments", "PaymentEvents"},    {"notifications", "NotificationEvents"}};
    const std::regex name(R"(([a-z]+)\.[a-z_]+\.v([1-9][0-9]*))");
    const auto& events = catalog::all_event_types();
    REQUIRE_FALSE(events.empty());
    CHECK(catalogue_types().size() == events.size());
    for (const auto& event : events) {
      CAPTURE(event.type);
      std::smatch match;
      REQUIRE(std::regex_match(event.type, match, name));
      CHECK(match[1].str() == event.module);
      CHECK(std::to_string(event.version) == match[2].str());
      REQUIRE(topic_of_module.count(event.module) == 1);
      CHECK(event.topic == topic_of_module.at(event.module));
      CHECK(event.cpp_name.rfind(event.module + "::events::", 0) == 0);
      CHECK(catalog::find_event_type(event.type) == &event);
    }
    CHECK(catalog::find_event_type("orders.no_such_event.v1") == nullptr);
  }

  TEST_CASE("[EventCatalog] knows the key field of every event: a top-level integer or string") {
    for (const auto& event : catalog::all_event_types()) {
      CAPTURE(event.type);
      REQUIRE_FALSE(event.key_field.empty());
      const auto* key = field_named(event.payload, event.key_field);
      REQUIRE(key != nullptr);
      CHECK((key->schema.type == JsonType::kInteger || key->schema.type == JsonType::kString));
    }
    CHECK(catalog::find_event_type("orders.order_placed.v1")->key_field == "order_id");
    CHECK(catalog::find_event_type("inventory.stock_level_changed.v1")->key_field == "product_id");
    CHECK(catalog::find_event_type("notifications.notification_created.v1")->key_field ==
          "user_id");
  }

  TEST_CASE("[EventCatalog] describes payloads from the structs, nested structs included") {
    const auto* placed = catalog::find_event_type("orders.order_placed.v2");
    REQUIRE(placed != nullptr);
    CHECK(placed->cpp_name == "orders::events::OrderPlaced");
    CHECK(placed->payload.type == JsonType::kObject);
    std::vector<std::string> names;
    for (const auto& field : placed->payload.fields) names.push_back(field.name);
    CHECK(names == std::vector<std::string>{"order_id", "user_id", "lines", "total_cents",
                                            "currency", "shipping_address"});
    CHECK(field_named(placed->payload, "order_id")->schema.type == JsonType::kInteger);
    CHECK(field_named(placed->payload, "currency")->schema.type == JsonType::kString);

    const auto& lines = field_named(placed->payload, "lines")->schema;
    REQUIRE(lines.type == JsonType::kArray);
    REQUIRE(lines.items.size() == 1);
    const auto& line = lines.items.front();
    CHECK(line.type == JsonType::kObject);
    CHECK(line.cpp_name == "orders::events::OrderLine");
    REQUIRE(line.fields.size() == 3);
    CHECK(line.fields[2].name == "unit_price_cents");
    CHECK(line.fields[2].schema.type == JsonType::kInteger);
  }

  TEST_CASE("[EventCatalog] names the JSON Schema types") {
    CHECK(catalog::json_type_name(JsonType::kString) == "string");
    CHECK(catalog::json_type_name(JsonType::kInteger) == "integer");
    CHECK(catalog::json_type_name(JsonType::kNumber) == "number");
    CHECK(catalog::json_type_name(JsonType::kBoolean) == "boolean");
    CHECK(catalog::json_type_name(JsonType::kArray) == "array");
    CHECK(catalog::json_type_name(JsonType::kObject) == "object");
  }

  TEST_CASE("[EventCatalog] misses no event type declared in an events header") {
    const auto declared = types_declared_in_events_headers();
    REQUIRE(declared.size() >= 6);
    const auto listed = catalogue_types();
    for (const auto& type : declared) {
      CHECK_MESSAGE(listed.count(type) == 1,
                    type << " is declared in an events header but missing from EventStructs in "
                            "app/catalog/event_catalog.cpp");
    }
    for (const auto& type : listed) {
      CHECK_MESSAGE(declared.count(type) == 1, type << " is in the catalogue but in no header");
    }
  }

  TEST_CASE("[EventCatalog] agrees with docs/events.md: same types, topics and keys") {
    const auto documented = events_documented_in_events_md();
    for (const auto& entry : documented) {
      const auto& type = entry.first;  // not a structured binding: CAPTURE captures it
      const auto& doc = entry.second;
      CAPTURE(type);
      const auto* event = catalog::find_event_type(type);
      CHECK_MESSAGE(event != nullptr, type << " is documented in docs/events.md but not in the "
                                              "catalogue (app/catalog/event_catalog.cpp)");
      if (event == nullptr) continue;
      CHECK(doc.topic == event->topic);
      CHECK(doc.key == event->key_field);
    }
    for (const auto& event : catalog::all_event_types()) {
      CHECK_MESSAGE(documented.count(event.type) == 1, event.type
                                                           << " has no \"### `" << event.type
                                                           << "`\" section in docs/events.md");
    }
  }
}
