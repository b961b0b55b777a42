// The live event stream's tap (app/event_stream) on an in-memory bus, with a writer that records
// what a client would receive: frames, filters, resume from memory and from the outboxes, the cap,
// a reader that fell behind, and card tokens kept out.

#include "../eventbus/test_events.hpp"
#include "bus_database.hpp"
#include "temp_dir.hpp"
#include "timing.hpp"

#include "event_stream/event_tap.hpp"

#include <kernel/time.hpp>

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using bus_test::ThingHappened;

namespace {

// What a client receives, thread-safe; `limit` bytes at most, then it "falls behind".
class RecordingWriter final : public kernel::StreamWriter {
 public:
  explicit RecordingWriter(std::size_t limit = std::size_t{1} << 30) : limit_(limit) {}
  bool write(std::string_view text) override {
    std::lock_guard lock(mutex_);
    if (!open_) return false;
    if (received_.size() + text.size() > limit_) {
      open_ = false;
      return false;
    }
    received_ += text;
    return true;
  }
  bool open() const override {
    std::lock_guard lock(mutex_);
    return open_;
  }
  void close() override {
    std::lock_guard lock(mutex_);
    open_ = false;
  }
  std::string received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  // The ids of the event frames received, in order.
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    auto text = received();
    for (auto at = text.find("id: "); at != std::string::npos; at = text.find("\nid: ", at + 1)) {
      auto start = text[at] == '\n' ? at + 5 : at + 4;
      out.push_back(text.substr(start, text.find('\n', start) - start));
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::string received_;
  bool open_ = true;
  std::size_t limit_;
};

struct Fixture {
  eventbus::Bus bus;
  eventbus::ModuleBus& alpha{bus.attach("alpha", mart::test::bus_database("alpha"))};

  std::vector<std::string> publish(int count, const std::string& thing = "k") {
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      alpha.transact({"trace-1", ""}, [&](eventbus::Tx& tx) {
        tx.publish(ThingHappened{thing, i});
      });
    }
    for (auto& e : bus.outbox_after("alpha", 0, 1000)) ids.push_back(e.id);
    return ids;
  }
};

using mart::event_stream::EventTap;
using mart::event_stream::StreamFilter;
using mart::event_stream::TapOptions;

}  // namespace

TEST_CASE("[EventTap] a frame holds the envelope and the event's data, never a card token") {
  eventbus::Envelope e;
  e.id = "e-1";
  e.type = "orders.order_placed.v1";
  e.source = "orders";
  e.key = "42";
  e.occurred_ms = 1'700'000'000'000;
  e.correlation_id = "trace";
  e.payload =
      R"({"order_id":42,"payment_token_sealed":"sealed.v1.abc","payment_token":"tok_visa"})";
  auto frame = mart::event_stream::format_frame(e);
  CHECK(frame.starts_with("id: e-1\nevent: orders.order_placed.v1\ndata: {"));
  CHECK(frame.ends_with("}\n\n"));
  CHECK(frame.find("tok_visa") == std::string::npos);
  CHECK(frame.find("sealed") == std::string::npos);
  auto data = boost::json::parse(frame.substr(frame.find("data: ") + 6));
  CHECK(data.at("data").at("order_id") == 42);
  CHECK(data.at("key") == "42");
  CHECK(data.at("time") == "2023-11-14T22:13:20.000Z");

  // A payload with a raw line break would end the data line: it is rewritten, escaped.
  e.payload = "{\"note\":\"a\",\n\"n\":1}";
  frame = mart::event_stream::format_frame(e);
  CHECK(std::count(frame.begin(), frame.end(), '\n') == 4);  // after id, event, data; a blank
}

TEST_CASE("[EventTap] filters match a type exactly or by a dotted prefix, and a source") {
  StreamFilter f{{"orders.order_placed", "payments"}, ""};
  CHECK(f.passes("orders.order_placed.v1", "orders"));
  CHECK(f.passes("payments.payment_failed.v1", "payments"));
  CHECK_FALSE(f.passes("orders.order_placed_again.v1", "orders"));
  CHECK_FALSE(f.passes("orders.order_confirmed.v1", "orders"));
  StreamFilter by_source{{}, "inventory"};
  CHECK(by_source.passes("inventory.stock_reserved.v1", "inventory"));
  CHECK_FALSE(by_source.passes("orders.order_placed.v1", "orders"));
}

TEST_CASE("[EventTap] streams get what is published after they open, filtered, and resume") {
  Fixture fx;
  EventTap tap(fx.bus, TapOptions{});
  tap.start();
  auto before = fx.publish(1);  // before any stream: not news to it

  auto all = std::make_shared<RecordingWriter>();
  auto none = std::make_shared<RecordingWriter>();
  tap.add(tap.reserve(), all, {}, {});
  tap.add(tap.reserve(), none, StreamFilter{{"beta"}, ""}, {});
  CHECK(tap.open_streams() == 2);
  std::this_thread::sleep_for(50ms);
  auto ids = fx.publish(3);  // all four ids, oldest first
  REQUIRE(ids.size() == 4);
  REQUIRE(mart::test::eventually([&] { return all->ids().size() == 3; }, 5s));
  CHECK(all->ids() == std::vector<std::string>(ids.begin() + 1, ids.end()));
  CHECK(none->ids().empty());
  CHECK(all->received().starts_with("retry: "));

  SUBCASE("from memory: exactly what followed the id") {
    auto resumed = std::make_shared<RecordingWriter>();
    tap.add(tap.reserve(), resumed, {}, EventTap::Resume{ids[1], std::nullopt, false});
    REQUIRE(mart::test::eventually([&] { return resumed->ids().size() == 2; }, 5s));
    CHECK(resumed->ids() == std::vector<std::string>(ids.begin() + 2, ids.end()));
  }
  SUBCASE("from the outboxes, when the memory does not reach back (a new tap)") {
    EventTap fresh(fx.bus, TapOptions{});
    fresh.start();
    auto resumed = std::make_shared<RecordingWriter>();
    fresh.add(fresh.reserve(), resumed, {}, EventTap::Resume{ids[0], std::nullopt, false});
    REQUIRE(mart::test::eventually([&] { return resumed->ids().size() == 3; }, 5s));
    CHECK(resumed->ids() == std::vector<std::string>(ids.begin() + 1, ids.end()));
    fresh.stop();
  }
  SUBCASE("an unknown id: said so, then live") {
    auto resumed = std::make_shared<RecordingWriter>();
    tap.add(tap.reserve(), resumed, {}, EventTap::Resume{"no-such-event", std::nullopt, false});
    REQUIRE(mart::test::eventually(
        [&] { return resumed->received().find("event: mart.gap") != std::string::npos; }, 5s));
    CHECK(resumed->ids().empty());
  }
  SUBCASE("unknown here but maybe elsewhere (split mode), with a time: from that time") {
    auto resumed = std::make_shared<RecordingWriter>();
    auto second = fx.bus.outbox_after("alpha", 0, 10).at(1);
    tap.add(tap.reserve(), resumed, {}, EventTap::Resume{"elsewhere", second.occurred_ms, true});
    REQUIRE(mart::test::eventually([&] { return !resumed->ids().empty(); }, 5s));
    CHECK(resumed->received().find("mart.gap") == std::string::npos);
    CHECK(resumed->ids().back() == ids.back());
  }
  tap.stop();
  CHECK_FALSE(all->open());  // stopping ends every stream
}

TEST_CASE(
    "[EventTap] a resume from the outboxes brings an event stamped before the resume point but "
    "seen after it") {
  // An event is stamped when its transaction publishes it and seen when that transaction
  // commits: a slower commit in one module lets another module's later event be seen first.
  mart::test::TempDir dir;
  kernel::ManualClock clock;
  eventbus::BusOptions options;
  options.clock = &clock;
  eventbus::Bus bus(options);
  auto& alpha = bus.attach("alpha", mart::test::bus_database("alpha", dir.path()));
  auto& beta = bus.attach("beta", mart::test::bus_database("beta", dir.path()));
  EventTap tap(bus, TapOptions{});
  tap.start();
  auto live = std::make_shared<RecordingWriter>();
  tap.add(tap.reserve(), live, {}, {});
  std::this_thread::sleep_for(50ms);
  beta.transact({"trace-1", ""}, [&](eventbus::Tx& tx) {
    tx.publish(bus_test::ThingSeen{"slow", 1});
    clock.advance(5ms);
    alpha.transact({"trace-1", ""}, [&](eventbus::Tx& other) {
      other.publish(ThingHappened{"fast", 2});
    });
    REQUIRE(mart::test::eventually([&] { return live->ids().size() == 1; }, 5s));
  });
  REQUIRE(mart::test::eventually([&] { return live->ids().size() == 2; }, 5s));
  auto seen = live->ids();  // alpha's, then beta's older one

  EventTap fresh(bus, TapOptions{});  // an empty memory: the outboxes answer
  fresh.start();
  auto resumed = std::make_shared<RecordingWriter>();
  fresh.add(fresh.reserve(), resumed, {}, EventTap::Resume{seen[0], std::nullopt, false});
  REQUIRE(mart::test::eventually([&] { return !resumed->ids().empty(); }, 5s));
  CHECK(resumed->ids() == std::vector<std::string>{seen[1]});
  fresh.stop();
  tap.stop();
}

TEST_CASE("[EventTap] streams are capped; a reader that fell behind is let go with its place") {
  Fixture fx;
  TapOptions options;
  options.max_streams = 2;
  EventTap tap(fx.bus, options);
  tap.start();
  auto one = tap.reserve();
  auto two = tap.reserve();
  CHECK(one);
  CHECK(two);
  CHECK_FALSE(tap.reserve());
  two.reset();  // never used: the place is free again
  CHECK(tap.open_streams() == 1);

  auto slow = std::make_shared<RecordingWriter>(600);  // takes about one frame, then no more
  tap.add(std::move(one), slow, {}, {});
  std::this_thread::sleep_for(50ms);
  fx.publish(20);
  REQUIRE(mart::test::eventually([&] { return tap.open_streams() == 0; }, 5s));
  CHECK_FALSE(slow->open());
  tap.stop();
}
