#pragma once
// The event catalogue: every event type of the six modules' published languages, with its topic,
// source module, version, key field and the JSON schema of its payload, read from the event
// structs through Boost.Describe. The documentation (docs/events.md, docs/asyncapi.yaml) is
// checked against it by tests, so the structs stay the single source of truth.

#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace catalog {

// The JSON type a C++ member is written as (Boost.JSON's mapping of the member's type).
enum class JsonType { kString, kInteger, kNumber, kBoolean, kArray, kObject };

// "string", "integer", "number", "boolean", "array", "object": JSON Schema's names.
std::string_view json_type_name(JsonType type);

struct Field;

// The shape of a JSON value: for an object its fields, for an array the schema of its items.
struct Schema {
  JsonType type = JsonType::kObject;
  std::string cpp_name;       // the described struct of an object, e.g. "orders::events::OrderLine"
  std::vector<Field> fields;  // kObject: the struct's members in declaration order
  std::vector<Schema> items;  // kArray: exactly one element, the schema of the items
};

struct Field {
  std::string name;
  Schema schema;
};

struct EventType {
  std::string type;       // "orders.order_placed.v1"
  std::string topic;      // "OrderEvents"
  std::string module;     // "orders": the publisher, the part of the type before the first dot
  int version = 0;        // 1 for "….v1"
  std::string cpp_name;   // "orders::events::OrderPlaced"
  std::string key_field;  // the member whose value key() returns, e.g. "order_id"
  Schema payload;         // always kObject
  // Reads an event's `data` as this build's subscribers do (eventbus::decode_event: tolerant of
  // unknown and missing fields, throws on a field of the wrong type) and writes it back as its
  // publisher would. An event stored by any build decodes to what it meant when
  // reread(data) == data (tests/fixtures/events).
  boost::json::value (*reread)(const boost::json::value& data) = nullptr;
};

// Every event type of the six modules, grouped by module, in declaration order of each events
// header.
const std::vector<EventType>& all_event_types();

// The event of that type, or nullptr.
const EventType* find_event_type(std::string_view type);

}  // namespace catalog
