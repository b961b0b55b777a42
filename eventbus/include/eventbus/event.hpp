#pragma once
// What an event is: a plain struct in its publisher's events.hpp with a stable versioned type
// name, a topic, an aggregate key and a JSON form (through Boost.Describe), and the envelope that
// carries it.

#include <boost/describe/class.hpp>
#include <boost/describe/members.hpp>

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

namespace eventbus {

template <class E>
concept Event = requires(const E& e) {
  { E::kType } -> std::convertible_to<std::string_view>;   // "products.product_created.v1"
  { E::kTopic } -> std::convertible_to<std::string_view>;  // "ProductEvents"
  { e.key() } -> std::convertible_to<std::string>;         // the aggregate id, orders delivery
}
&&boost::describe::has_describe_members<E>::value;

// The module that publishes a type: the part of the type name before the first dot.
std::string_view source_of(std::string_view type);

// Where an event came from and what it belongs to; carried from a request through every event it
// causes, so one order's flow can be followed across modules.
struct Trace {
  std::string correlation_id;
  std::string causation_id;  // the event that caused this one ("" for a request)
};

struct Envelope {
  std::int64_t seq = 0;  // position in the publisher's outbox
  std::string id;        // globally unique event id (UUID)
  std::string type;
  std::string topic;
  std::string source;  // publishing module
  std::string key;     // aggregate id
  std::int64_t occurred_ms = 0;
  std::string correlation_id;
  std::string causation_id;
  std::string payload;  // the event's JSON
};

// The envelope's own JSON form (the payload embedded as "data"); the event log's and Kafka's
// wire format.
std::string envelope_to_json(const Envelope& envelope);
Envelope envelope_from_json(std::string_view json);

}  // namespace eventbus
