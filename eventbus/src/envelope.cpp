#include "eventbus/event.hpp"

#include <boost/json.hpp>

namespace eventbus {

std::string_view source_of(std::string_view type) {
  return type.substr(0, type.find('.'));
}

std::string envelope_to_json(const Envelope& e) {
  boost::json::object o;
  o["seq"] = e.seq;
  o["id"] = e.id;
  o["type"] = e.type;
  o["topic"] = e.topic;
  o["source"] = e.source;
  o["key"] = e.key;
  o["occurred_ms"] = e.occurred_ms;
  o["correlation_id"] = e.correlation_id;
  o["causation_id"] = e.causation_id;
  o["data"] = boost::json::parse(e.payload);
  return boost::json::serialize(o);
}

Envelope envelope_from_json(std::string_view json) {
  auto value = boost::json::parse(json);
  const auto& o = value.as_object();
  Envelope e;
  e.seq = o.at("seq").to_number<std::int64_t>();
  e.id = o.at("id").as_string();
  e.type = o.at("type").as_string();
  e.topic = o.at("topic").as_string();
  e.source = o.at("source").as_string();
  e.key = o.at("key").as_string();
  e.occurred_ms = o.at("occurred_ms").to_number<std::int64_t>();
  e.correlation_id = o.at("correlation_id").as_string();
  e.causation_id = o.at("causation_id").as_string();
  e.payload = boost::json::serialize(o.at("data"));
  return e;
}

}  // namespace eventbus
