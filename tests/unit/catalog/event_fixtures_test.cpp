// Every version of every event type has a committed example, tests/fixtures/events/<type>.json
// (the envelope as an outbox, bus_parked or Kafka holds it), and this build still reads each one
// as it was meant: an event stored by an older build (an outbox not yet delivered, a parked
// event, a Kafka topic) must keep decoding after an upgrade. A renamed, removed or retyped field
// fails here; so does a new event type (or version) committed without its fixture.

#include "catalog/event_catalog.hpp"
#include "source_file.hpp"

#include <eventbus/event.hpp>
#include <kernel/sealed_text.hpp>
#include <orders/events.hpp>

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

#include <filesystem>
#include <set>
#include <string>

namespace {

const std::string kFixtures = "tests/fixtures/events";

// The secret the fixtures' sealed card tokens were sealed under (a test secret, not a real one).
void use_fixture_key() {
  kernel::sealed_text::set_key("fixtures-secret-of-at-least-thirty-two-bytes",
                               "mart payment token v1");
}

eventbus::Envelope fixture(const std::string& type) {
  return eventbus::envelope_from_json(
      catalog::test::read_source_file(kFixtures + "/" + type + ".json"));
}

// a == b, except that sealed texts (sealed again with a fresh nonce on the way out) are compared
// by what they open to.
bool same_meaning(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_string() && b.is_string()) {
    const auto& x = a.get_string();
    const auto& y = b.get_string();
    if (kernel::sealed_text::looks_sealed(x) && kernel::sealed_text::looks_sealed(y)) {
      const auto opened = kernel::sealed_text::open(x);
      return opened && opened == kernel::sealed_text::open(y);
    }
    return x == y;
  }
  if (a.is_object() && b.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& [name, value] : x) {
      const auto* other = y.if_contains(name);
      if (!other || !same_meaning(value, *other)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!same_meaning(x[i], y[i])) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

TEST_SUITE("catalog") {
  TEST_CASE("[EventFixtures] every event type of the catalogue has a fixture that still decodes") {
    use_fixture_key();
    for (const auto& event : catalog::all_event_types()) {
      CAPTURE(event.type);
      const auto path = catalog::test::source_path(kFixtures + "/" + event.type + ".json");
      REQUIRE_MESSAGE(std::filesystem::exists(path),
                      "no fixture for " << event.type << ": add " << kFixtures << "/" << event.type
                                        << ".json (an example of the event)");
      const auto envelope = fixture(event.type);
      CHECK(envelope.type == event.type);
      CHECK(envelope.topic == event.topic);
      CHECK(envelope.source == event.module);
      const auto data = boost::json::parse(envelope.payload);
      REQUIRE(data.is_object());
      // The key is the aggregate id, the payload field the catalogue names.
      const auto* key = data.as_object().if_contains(event.key_field);
      REQUIRE(key != nullptr);
      CHECK(envelope.key == boost::json::serialize(*key));
      // Decoded as subscribers decode it and written back, it is the same event: no field of the
      // fixture was dropped (renamed or removed), retyped (throws) or misread.
      boost::json::value reread;
      REQUIRE_NOTHROW(reread = event.reread(data));
      CHECK_MESSAGE(same_meaning(reread, data), "read back as " << boost::json::serialize(reread));
    }
  }

  TEST_CASE("[EventFixtures] every fixture is of an event type of this build") {
    std::set<std::string> types;
    for (const auto& event : catalog::all_event_types()) types.insert(event.type);
    int fixtures = 0;
    for (const auto& file :
         std::filesystem::directory_iterator(catalog::test::source_path(kFixtures))) {
      ++fixtures;
      const auto name = file.path().filename().string();
      CAPTURE(name);
      CHECK(file.path().extension() == ".json");
      // A type no struct reads any more would strand the events stored in it: keep the struct
      // (an older version, upcast) for as long as such events may exist (docs/events.md).
      CHECK_MESSAGE(types.count(file.path().stem().string()) == 1,
                    name << " is of no event type this build reads");
    }
    CHECK(fixtures == static_cast<int>(types.size()));
  }

  TEST_CASE("[EventFixtures] orders.order_placed.v1 is read as v2 with no shipping address") {
    const auto v1 = boost::json::parse(fixture("orders.order_placed.v1").payload);
    const auto v2 = boost::json::parse(fixture("orders.order_placed.v2").payload);
    const auto upcast =
        orders::events::upcast(eventbus::decode_event<orders::events::OrderPlacedV1>(v1));
    const auto current = eventbus::decode_event<orders::events::OrderPlaced>(v2);
    CHECK(upcast.order_id == current.order_id);
    CHECK(upcast.user_id == current.user_id);
    CHECK(upcast.total_cents == current.total_cents);
    CHECK(upcast.currency == current.currency);
    REQUIRE(upcast.lines.size() == current.lines.size());
    CHECK(upcast.lines[0].quantity == current.lines[0].quantity);
    CHECK(upcast.shipping_address.empty());
    CHECK(current.shipping_address.find("London") != std::string::npos);
    // And pinned to v1 (events.publish_versions), v2 is written as exactly the v1 fixture's data.
    CHECK(boost::json::value_from(orders::events::downcast(current)) == v1);
  }
}
