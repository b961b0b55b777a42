#pragma once
// Tolerant decoding of an event's JSON into its struct: a field the struct does not know is
// ignored and a field the JSON lacks keeps its default, so adding a field to an event is not a
// breaking change (Boost.JSON 1.81's value_to rejects both). A field of the wrong type throws.
// An event with a JSON mapping of its own (a tag_invoke for value_to, e.g. one whose wire form
// differs from its members) is read through that mapping, which must be as tolerant.

#include <boost/describe/members.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_to.hpp>
#include <boost/mp11/algorithm.hpp>

#include <concepts>
#include <type_traits>

namespace eventbus {

template <class E>
concept HasOwnJsonMapping = requires(const boost::json::value& json) {
  { tag_invoke(boost::json::value_to_tag<E>{}, json) } -> std::same_as<E>;
};

// An older version Old of an event that this build reads as E: an `upcast(const Old&)` returning
// E is declared with the events (found by argument-dependent lookup). Missing data gets the
// value that means "not known", said at the upcast.
template <class Old, class E>
concept UpcastsTo = requires(const Old& old) {
  { upcast(old) } -> std::same_as<E>;
};

template <class E, class Old>
requires UpcastsTo<Old, E> E upcast_event(const Old& old) {
  return upcast(old);
}

template <class E>
E decode_event(const boost::json::value& json) {
  if constexpr (HasOwnJsonMapping<E>) return tag_invoke(boost::json::value_to_tag<E>{}, json);
  E event{};
  const auto& object = json.as_object();
  boost::mp11::mp_for_each<boost::describe::describe_members<E, boost::describe::mod_public>>(
      [&](auto member) {
        using Field = std::remove_cvref_t<decltype(event.*member.pointer)>;
        if (const auto* value = object.if_contains(member.name)) {
          event.*member.pointer = boost::json::value_to<Field>(*value);
        }
      });
  return event;
}

}  // namespace eventbus
