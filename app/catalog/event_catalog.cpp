#include "catalog/event_catalog.hpp"

#include <inventory/events.hpp>
#include <notifications/events.hpp>
#include <orders/events.hpp>
#include <payments/events.hpp>
#include <products/events.hpp>
#include <users/events.hpp>

#include <eventbus/decode.hpp>

#include <boost/core/demangle.hpp>
#include <boost/describe/enumerators.hpp>
#include <boost/describe/members.hpp>
#include <boost/json/value_from.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <type_traits>
#include <typeinfo>

namespace catalog {
namespace {

// The only hand-written list: every event struct the modules publish, grouped by module in the
// order of their events headers. tests/unit/catalog fails when a type declared in an events header
// or documented in docs/events.md is missing here.
using EventStructs = boost::mp11::mp_list<
    // users
    users::events::UserRegistered, users::events::UserUpdated, users::events::TokensRevoked,
    // products
    products::events::ProductCreated, products::events::ProductUpdated,
    products::events::ProductDeleted,
    // inventory
    inventory::events::StockLevelChanged, inventory::events::StockReserved,
    inventory::events::StockReservationFailed, inventory::events::StockReleased,
    inventory::events::StockCommitted,
    // orders
    orders::events::OrderPlaced, orders::events::OrderPlacedV1, orders::events::PaymentRequested,
    orders::events::OrderConfirmed, orders::events::OrderCancelled, orders::events::OrderShipped,
    // payments
    payments::events::PaymentSucceeded, payments::events::PaymentFailed,
    payments::events::PaymentRefunded,
    // notifications
    notifications::events::NotificationCreated>;

// What eventbus::Event requires, restated so the catalogue needs only the events headers.
template <class E>
concept PublishedEvent = requires(const E& e) {
  { E::kType } -> std::convertible_to<std::string_view>;
  { E::kTopic } -> std::convertible_to<std::string_view>;
  { e.key() } -> std::convertible_to<std::string>;
}
&&boost::describe::has_describe_members<E>::value;

// The struct whose members an event's JSON has: E itself, or E::Wire when E maps itself to JSON
// through another shape (PaymentRequested: its card token is written only sealed).
template <class E>
struct WireShape {
  using Type = E;
};
template <class E>
requires requires {
  typename E::Wire;
}
struct WireShape<E> {
  using Type = typename E::Wire;
};
template <class E>
using WireOf = typename WireShape<E>::Type;

// The members Boost.JSON writes for a described struct.
template <class T>
using MembersOf = boost::describe::describe_members<T, boost::describe::mod_public |
                                                           boost::describe::mod_inherited>;

template <class T>
struct VectorItem {
  static constexpr bool kIsVector = false;
};
template <class T, class A>
struct VectorItem<std::vector<T, A>> {
  static constexpr bool kIsVector = true;
  using Type = T;
};

// Named only by the static_assert of schema_of()'s last branch, which clang counts as no use.
template <class T>
[[maybe_unused]] inline constexpr bool kUnsupported = false;

template <class T>
Schema schema_of();

template <class T>
Schema object_schema_of() {
  Schema schema;
  schema.type = JsonType::kObject;
  schema.cpp_name = boost::core::demangle(typeid(T).name());
  boost::mp11::mp_for_each<MembersOf<T>>([&](auto member) {
    using M = std::remove_cvref_t<decltype(std::declval<T&>().*member.pointer)>;
    schema.fields.push_back(Field{member.name, schema_of<M>()});
  });
  return schema;
}

// Boost.JSON's mapping of a member type to a JSON value.
template <class T>
Schema schema_of() {
  Schema schema;
  if constexpr (std::is_same_v<T, bool>) {
    schema.type = JsonType::kBoolean;
  } else if constexpr (std::is_integral_v<T>) {
    schema.type = JsonType::kInteger;
  } else if constexpr (std::is_floating_point_v<T>) {
    schema.type = JsonType::kNumber;
  } else if constexpr (std::is_same_v<T, std::string> ||
                       boost::describe::has_describe_enumerators<T>::value) {
    schema.type = JsonType::kString;  // a described enum is written as its enumerator's name
  } else if constexpr (VectorItem<T>::kIsVector) {
    schema.type = JsonType::kArray;
    schema.items.push_back(schema_of<typename VectorItem<T>::Type>());
  } else if constexpr (boost::describe::has_describe_members<T>::value) {
    schema = object_schema_of<T>();
  } else {
    static_assert(kUnsupported<T>,
                  "an event member type the catalogue cannot describe: extend schema_of() and the "
                  "drift tests of tests/unit/catalog");
  }
  return schema;
}

// The member whose value key() returns: give every integer and string member a distinct value,
// then see which one the key is. "" when the key is none (or more than one) of them.
template <class E>
std::string key_field_of() {
  E probe{};
  int ordinal = 0;
  boost::mp11::mp_for_each<MembersOf<E>>([&](auto member) {
    auto& value = probe.*member.pointer;
    using M = std::remove_cvref_t<decltype(value)>;
    ++ordinal;
    if constexpr (std::is_integral_v<M> && !std::is_same_v<M, bool>) {
      // A probe value below 100 fits every integer type, so the int sum converts exactly.
      value = static_cast<M>(40 + ordinal);  // NOLINT(bugprone-misplaced-widening-cast)
    } else if constexpr (std::is_same_v<M, std::string>) {
      value = "key-probe-" + std::to_string(ordinal);
    }
  });
  const std::string key = probe.key();
  std::vector<std::string> matches;
  boost::mp11::mp_for_each<MembersOf<E>>([&](auto member) {
    const auto& value = probe.*member.pointer;
    using M = std::remove_cvref_t<decltype(value)>;
    if constexpr (std::is_integral_v<M> && !std::is_same_v<M, bool>) {
      if (key == std::to_string(value)) matches.emplace_back(member.name);
    } else if constexpr (std::is_same_v<M, std::string>) {
      if (key == value) matches.emplace_back(member.name);
    }
  });
  return matches.size() == 1 ? matches.front() : std::string{};
}

// "orders.order_placed.v1" → 1; 0 when the type does not end in ".v<N>".
int version_of(std::string_view type) {
  const auto dot_v = type.rfind(".v");
  if (dot_v == std::string_view::npos) return 0;
  const auto digits = type.substr(dot_v + 2);
  int version = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
  if (error != std::errc{} || end != digits.data() + digits.size()) return 0;
  return version;
}

template <PublishedEvent E>
EventType event_type_of() {
  EventType event;
  event.type = std::string(E::kType);
  event.topic = std::string(E::kTopic);
  event.module = event.type.substr(0, event.type.find('.'));
  event.version = version_of(E::kType);
  event.cpp_name = boost::core::demangle(typeid(E).name());
  event.key_field = key_field_of<E>();
  event.payload = object_schema_of<WireOf<E>>();
  event.reread = [](const boost::json::value& data) {
    return boost::json::value_from(eventbus::decode_event<E>(data));
  };
  return event;
}

std::vector<EventType> build_catalogue() {
  std::vector<EventType> events;
  boost::mp11::mp_for_each<boost::mp11::mp_transform<boost::mp11::mp_identity, EventStructs>>(
      [&](auto identity) { events.push_back(event_type_of<typename decltype(identity)::type>()); });
  return events;
}

}  // namespace

std::string_view json_type_name(JsonType type) {
  switch (type) {
    case JsonType::kString:
      return "string";
    case JsonType::kInteger:
      return "integer";
    case JsonType::kNumber:
      return "number";
    case JsonType::kBoolean:
      return "boolean";
    case JsonType::kArray:
      return "array";
    case JsonType::kObject:
      return "object";
  }
  throw std::logic_error("json_type_name: unknown JsonType");
}

const std::vector<EventType>& all_event_types() {
  static const std::vector<EventType> events = build_catalogue();
  return events;
}

const EventType* find_event_type(std::string_view type) {
  const auto& events = all_event_types();
  const auto it = std::find_if(events.begin(), events.end(),
                               [&](const EventType& e) { return e.type == type; });
  return it == events.end() ? nullptr : &*it;
}

}  // namespace catalog
