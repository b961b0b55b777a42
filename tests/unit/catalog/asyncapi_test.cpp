// docs/asyncapi.yaml cannot drift from the event structs: it must describe exactly the catalogue's
// event types, each on the channel of its topic, with the same payload fields and JSON types.

#include "catalog/event_catalog.hpp"
#include "source_file.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace doctest {
template <>
struct StringMaker<std::set<std::string>> {
  static String convert(const std::set<std::string>& strings) {
    std::string text = "{";
    for (const auto& s : strings) text += (text.size() > 1 ? ", " : "") + s;
    return String((text + "}").c_str());
  }
};
}  // namespace doctest

namespace {

using catalog::EventType;
using catalog::JsonType;
using catalog::Schema;

YAML::Node load_asyncapi() {
  return YAML::LoadFile(catalog::test::source_path("docs/asyncapi.yaml").string());
}

std::set<std::string> keys_of(const YAML::Node& map) {
  std::set<std::string> keys;
  if (!map || !map.IsMap()) return keys;  // !node first: a missing key's node throws on IsMap()
  for (const auto& entry : map) keys.insert(entry.first.as<std::string>());
  return keys;
}

std::set<std::string> strings_of(const YAML::Node& sequence) {
  std::set<std::string> strings;
  if (!sequence || !sequence.IsSequence()) return strings;
  for (const auto& item : sequence) strings.insert(item.as<std::string>());
  return strings;
}

std::string text_of(const YAML::Node& node) {
  return node && node.IsScalar() ? node.as<std::string>() : std::string{};
}

// node[k1][k2]...: a null node when a key is missing (yaml-cpp throws on chained missing keys).
YAML::Node at(const YAML::Node& node, std::initializer_list<std::string> keys) {
  YAML::Node current;
  current.reset(node);
  for (const auto& key : keys) {
    const YAML::Node& parent = current;
    if (!parent || !parent.IsMap() || !parent[key]) return YAML::Node{};
    current.reset(parent[key]);
  }
  return current;
}

// Follows a local "$ref: '#/a/b/c'" (and refs to refs); other nodes are returned as they are.
// Nodes are rebound with reset(): yaml-cpp's operator= would overwrite the node referred to.
YAML::Node resolve(const YAML::Node& root, const YAML::Node& node) {
  YAML::Node current;
  current.reset(node);
  for (int depth = 0; depth < 8 && current && current.IsMap() && current["$ref"]; ++depth) {
    const auto ref = current["$ref"].as<std::string>();
    REQUIRE_MESSAGE(ref.rfind("#/", 0) == 0, "only local $refs are supported: " << ref);
    YAML::Node target;
    target.reset(root);
    std::istringstream path(ref.substr(2));
    std::string part;
    while (std::getline(path, part, '/')) {
      REQUIRE_MESSAGE((target && target.IsMap()), "$ref " << ref << " does not resolve");
      const YAML::Node& parent = target;
      target.reset(parent[part]);
    }
    REQUIRE_MESSAGE(target.IsDefined(), "$ref " << ref << " does not resolve");
    current.reset(target);
  }
  return current;
}

// The message name a "$ref: '#/components/messages/<name>'" points at.
std::string message_ref_name(const YAML::Node& ref) {
  const std::string prefix = "#/components/messages/";
  const auto text = ref && ref.IsMap() ? text_of(ref["$ref"]) : std::string{};
  return text.rfind(prefix, 0) == 0 ? text.substr(prefix.size()) : std::string{};
}

// The JSON schema `node` says the same as the catalogue's `schema`: type, and for objects the
// same property names (all required), recursively; for arrays the same items.
void check_schema(const YAML::Node& root, const YAML::Node& node, const Schema& schema,
                  const std::string& where) {
  CAPTURE(where);
  const auto resolved = resolve(root, node);
  REQUIRE_MESSAGE((resolved && resolved.IsMap()), where << " has no schema");
  CHECK_MESSAGE(text_of(resolved["type"]) == catalog::json_type_name(schema.type),
                where << " is \"" << text_of(resolved["type"]) << "\" in docs/asyncapi.yaml but "
                      << catalog::json_type_name(schema.type) << " in the struct");
  if (schema.type == JsonType::kObject) {
    std::set<std::string> fields;
    for (const auto& field : schema.fields) fields.insert(field.name);
    const auto properties = resolved["properties"];
    const auto documented = keys_of(properties);
    for (const auto& name : fields) {
      CHECK_MESSAGE(documented.count(name) == 1,
                    where << "." << name << " is a struct member missing in docs/asyncapi.yaml");
    }
    for (const auto& name : documented) {
      CHECK_MESSAGE(fields.count(name) == 1,
                    where << "." << name << " is in docs/asyncapi.yaml but not in the struct");
    }
    CHECK_MESSAGE(strings_of(resolved["required"]) == fields,
                  where << ": every member is always written, so all are `required`");
    for (const auto& field : schema.fields) {
      if (documented.count(field.name) == 1) {
        check_schema(root, properties[field.name], field.schema, where + "." + field.name);
      }
    }
  } else if (schema.type == JsonType::kArray) {
    REQUIRE(schema.items.size() == 1);
    REQUIRE_MESSAGE(resolved["items"].IsDefined(), where << " has no `items`");
    check_schema(root, resolved["items"], schema.items.front(), where + "[]");
  }
}

// A YAML scalar that reads as a JSON integer (an example value of an integer field).
bool is_integer(const YAML::Node& node) {
  long long value = 0;
  return node && node.IsScalar() && node.Tag() != "!" &&
         YAML::convert<long long>::decode(node, value);
}

}  // namespace

TEST_SUITE("catalog") {
  TEST_CASE("[AsyncApi] docs/asyncapi.yaml is an AsyncAPI 2.6 document with the six channels") {
    const auto doc = load_asyncapi();
    CHECK(text_of(doc["asyncapi"]) == "2.6.0");
    CHECK(text_of(doc["defaultContentType"]) == "application/json");
    std::set<std::string> topics;
    for (const auto& event : catalog::all_event_types()) topics.insert(event.topic);
    CHECK(topics == std::set<std::string>{"ProductEvents", "OrderEvents", "PaymentEvents",
                                          "InventoryEvents", "NotificationEvents", "UserEvents"});
    CHECK(keys_of(doc["channels"]) == topics);
    CHECK(text_of(at(doc, {"servers", "development", "protocol"})) == "kafka");
  }

  TEST_CASE("[AsyncApi] has one message per catalogue type and no other") {
    const auto doc = load_asyncapi();
    const auto messages = keys_of(at(doc, {"components", "messages"}));
    for (const auto& event : catalog::all_event_types()) {
      CHECK_MESSAGE(messages.count(event.type) == 1,
                    event.type << " has no message in docs/asyncapi.yaml (components/messages)");
    }
    for (const auto& name : messages) {
      CHECK_MESSAGE(
          catalog::find_event_type(name) != nullptr,
          name << " is a message of docs/asyncapi.yaml but no event type of the catalogue");
    }
  }

  TEST_CASE("[AsyncApi] puts each message on the channel of its topic, and only there") {
    const auto doc = load_asyncapi();
    std::map<std::string, std::set<std::string>> expected;  // topic → types
    for (const auto& event : catalog::all_event_types()) expected[event.topic].insert(event.type);
    std::map<std::string, int> channels_of_message;
    // Named references, not structured bindings: CAPTURE and the _MESSAGE checks capture them.
    for (const auto& channel : expected) {
      const auto& topic = channel.first;
      const auto& types = channel.second;
      CAPTURE(topic);
      const auto message = at(doc, {"channels", topic, "subscribe", "message"});
      REQUIRE_MESSAGE((message && message.IsMap()),
                      "channel " << topic << " has no subscribe message");
      std::set<std::string> listed;
      if (message["oneOf"]) {
        for (const auto& ref : message["oneOf"]) listed.insert(message_ref_name(ref));
      } else {
        listed.insert(message_ref_name(message));
      }
      CHECK(listed == types);
      for (const auto& name : listed) ++channels_of_message[name];
    }
    for (const auto& message_channels : channels_of_message) {
      const auto& name = message_channels.first;
      const int count = message_channels.second;
      CHECK_MESSAGE(count == 1, name << " is on " << count << " channels");
    }
  }

  TEST_CASE("[AsyncApi] describes each payload with the struct's fields and JSON types") {
    const auto doc = load_asyncapi();
    const auto messages = at(doc, {"components", "messages"});
    for (const auto& event : catalog::all_event_types()) {
      CAPTURE(event.type);
      const auto message = messages[event.type];
      if (!message || !message.IsMap()) continue;  // reported by the test above
      CHECK(text_of(message["name"]) == event.type);
      CHECK(text_of(message["x-struct"]) == event.cpp_name);
      check_schema(doc, message["payload"], event.payload, event.type);

      // Every example payload has exactly the struct's members.
      for (const auto& example : message["examples"]) {
        const auto payload = example["payload"];
        if (!payload) continue;
        std::set<std::string> fields;
        for (const auto& field : event.payload.fields) {
          fields.insert(field.name);
          if (field.schema.type == JsonType::kInteger && payload[field.name]) {
            CHECK_MESSAGE(is_integer(payload[field.name]), field.name << " is not an integer");
          }
        }
        CHECK(keys_of(payload) == fields);
      }
    }
  }

  TEST_CASE("[AsyncApi] names each message's key field and CloudEvents type and source") {
    const auto doc = load_asyncapi();
    const auto messages = at(doc, {"components", "messages"});
    for (const auto& event : catalog::all_event_types()) {
      CAPTURE(event.type);
      const auto message = messages[event.type];
      if (!message || !message.IsMap()) continue;
      CHECK(text_of(message["x-key-field"]) == event.key_field);
      CHECK(text_of(at(message, {"bindings", "kafka", "key", "type"})) == "string");
      CHECK(text_of(message["contentType"]) == "application/json");

      std::set<std::string> header_refs;
      std::string ce_type;
      std::string ce_source;
      for (const auto& part : at(message, {"headers", "allOf"})) {
        if (part["$ref"]) header_refs.insert(part["$ref"].as<std::string>());
        const auto properties = part["properties"];
        if (!properties || !properties.IsMap()) continue;
        if (properties["ce_type"]) ce_type = text_of(at(properties, {"ce_type", "const"}));
        if (properties["ce_source"]) ce_source = text_of(at(properties, {"ce_source", "const"}));
      }
      CHECK(header_refs.count("#/components/schemas/CloudEventsHeaders") == 1);
      CHECK(ce_type == event.type);
      CHECK(ce_source == "/mart/" + event.module);

      // Example headers are documented headers, with this message's type and source.
      const auto documented =
          keys_of(at(doc, {"components", "schemas", "CloudEventsHeaders", "properties"}));
      for (const auto& example : message["examples"]) {
        const auto headers = example["headers"];
        if (!headers) continue;
        for (const auto& name : keys_of(headers)) CHECK(documented.count(name) == 1);
        CHECK(text_of(headers["ce_type"]) == event.type);
        CHECK(text_of(headers["ce_source"]) == "/mart/" + event.module);
      }
    }
  }

  TEST_CASE("[AsyncApi] documents the CloudEvents binary-mode headers") {
    const auto doc = load_asyncapi();
    const auto headers = at(doc, {"components", "schemas", "CloudEventsHeaders"});
    REQUIRE((headers && headers.IsMap()));
    CHECK(strings_of(headers["required"]) ==
          std::set<std::string>{"ce_id", "ce_type", "ce_source", "ce_time", "ce_specversion",
                                "content-type", "ce_correlationid", "traceparent"});
    CHECK(keys_of(headers["properties"]) ==
          std::set<std::string>{"ce_id", "ce_type", "ce_source", "ce_time", "ce_specversion",
                                "content-type", "ce_correlationid", "ce_causationid",
                                "traceparent"});
    CHECK(text_of(at(headers, {"properties", "ce_specversion", "const"})) == "1.0");
    CHECK(text_of(at(headers, {"properties", "content-type", "const"})) == "application/json");
  }
}
