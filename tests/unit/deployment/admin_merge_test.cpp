// The merge of a split deployment's admin views (app/deployment/admin_merge): status, pages of
// dead letters and audit rows across processes (cursor and limit), and event timelines.

#include "deployment/admin_merge.hpp"

#include <kernel/pagination.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

using mart::deployment::PageOrder;
using mart::deployment::Positions;
using mart::deployment::ProcessAnswer;
namespace json = boost::json;

namespace {

ProcessAnswer answered(std::string upstream, std::vector<std::string> modules, std::string body) {
  return {std::move(upstream), std::move(modules), json::parse(body).as_object(), {}};
}

ProcessAnswer failed(std::string upstream, std::vector<std::string> modules, std::string error) {
  return {std::move(upstream), std::move(modules), std::nullopt, std::move(error)};
}

// A page answer of items with these ids, "next_cursor" set when `more`.
ProcessAnswer page(std::string upstream, const std::vector<std::int64_t>& ids, bool more) {
  json::array items;
  for (auto id : ids) items.push_back(json::object{{"id", id}, {"from", upstream}});
  json::value next = nullptr;
  if (more && !ids.empty()) next = json::string(kernel::encode_cursor(ids.back()));
  return {upstream, {}, json::object{{"items", items}, {"next_cursor", next}}, {}};
}

std::vector<std::int64_t> ids_of(const json::object& merged) {
  std::vector<std::int64_t> out;
  for (const auto& item : merged.at("items").as_array()) out.push_back(item.at("id").as_int64());
  return out;
}

// The positions the merged page's next cursor carries; nothing on the last page.
std::optional<Positions> next_of(const json::object& merged) {
  const auto& next = merged.at("next_cursor");
  if (next.is_null()) return std::nullopt;
  auto positions = mart::deployment::decode_positions(next.as_string());
  REQUIRE(positions);
  return positions;
}

struct Row {
  std::int64_t id;
  std::string at;
};

bool before(const Row& a, const Row& b, PageOrder order) {
  if (order == PageOrder::id_ascending) return a.id < b.id;
  if (a.at != b.at) return a.at > b.at;
  return a.id > b.id;
}

// What a process holding `rows` answers for a page of `limit` from its position in `from`: its
// own rows in `order` after the row its cursor names (as the bus's listings do).
ProcessAnswer listing(const std::string& process, std::vector<Row> rows, const Positions& from,
                      int limit, PageOrder order) {
  std::sort(rows.begin(), rows.end(),
            [&](const Row& a, const Row& b) { return before(a, b, order); });
  if (auto position = from.find(process); position != from.end()) {
    auto id = kernel::decode_cursor(position->second);
    REQUIRE(id);
    auto last = std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return r.id == *id; });
    REQUIRE(last != rows.end());
    rows.erase(rows.begin(), last + 1);
  }
  bool more = static_cast<int>(rows.size()) > limit;
  if (more) rows.resize(static_cast<std::size_t>(limit));
  json::array items;
  for (const auto& row : rows) {
    items.push_back(json::object{{"id", row.id}, {"at", row.at}, {"from", process}});
  }
  json::value next = nullptr;
  if (more) next = json::string(kernel::encode_cursor(rows.back().id));
  return {process, {}, json::object{{"items", items}, {"next_cursor", next}}, {}};
}

}  // namespace

TEST_SUITE("deployment") {
  TEST_CASE("[merge_status] every process's modules, the processes and the unavailable ones") {
    auto merged = mart::deployment::merge_status({
        answered("local", {"orders"},
                 R"({"relay":"running","modules":[{"module":"orders","dead_letters":1}]})"),
        answered("http://10.0.0.1:8081", {"products", "users"},
                 R"({"relay":"running","modules":[{"module":"products","dead_letters":0},)"
                 R"({"module":"users","dead_letters":2}]})"),
        failed("http://10.0.0.2:8082", {"payments"}, "HTTP 502: cannot be reached"),
    });
    CAPTURE(json::serialize(merged));
    CHECK(merged.at("relay") == "running");
    const auto& modules = merged.at("modules").as_array();
    REQUIRE(modules.size() == 3);
    CHECK(modules[0].at("module") == "orders");
    CHECK(modules[1].at("module") == "products");
    CHECK(modules[2].at("module") == "users");
    CHECK(modules[2].at("dead_letters") == 2);  // item fields passed on as they came
    const auto& processes = merged.at("processes").as_array();
    REQUIRE(processes.size() == 2);
    CHECK(processes[0].at("upstream") == "local");
    CHECK(processes[0].at("modules") == json::parse(R"(["orders"])"));
    CHECK(processes[1].at("upstream") == "http://10.0.0.1:8081");
    CHECK(processes[1].at("modules") == json::parse(R"(["products","users"])"));
    CHECK(merged.at("unavailable") ==
          json::parse(R"([{"upstream":"http://10.0.0.2:8082","modules":["payments"],)"
                      R"("error":"HTTP 502: cannot be reached"}])"));

    SUBCASE("a stopped relay anywhere is a stopped relay") {
      auto stopped = mart::deployment::merge_status({
          answered("local", {}, R"({"relay":"running","modules":[]})"),
          answered("http://10.0.0.1:8081", {"users"}, R"({"relay":"stopped","modules":[]})"),
      });
      CHECK(stopped.at("relay") == "stopped");
      CHECK(stopped.at("unavailable").as_array().empty());
    }
    SUBCASE("a module two processes report is listed once, as the first said") {
      auto twice = mart::deployment::merge_status({
          answered("local", {}, R"({"relay":"running","modules":[{"module":"users","n":1}]})"),
          answered("http://h:1", {}, R"({"relay":"running","modules":[{"module":"users","n":2}]})"),
      });
      REQUIRE(twice.at("modules").as_array().size() == 1);
      CHECK(twice.at("modules").as_array()[0].at("n") == 1);
    }
  }

  TEST_CASE("[merge_page] dead letters: the union in id order, cut to the limit") {
    // Ids as the bus numbers them: local id * 16 + the module's code.
    auto merged = mart::deployment::merge_page(
        {page("local", {18, 34, 66}, false), page("http://h:1", {21, 37}, false),
         failed("http://h:2", {"users"}, "HTTP 504: no answer")},
        3, PageOrder::id_ascending, {{"http://h:2", "kept"}});
    CHECK(ids_of(merged) == std::vector<std::int64_t>{18, 21, 34});
    CHECK(merged.at("items").as_array()[1].at("from") == "http://h:1");
    auto next = next_of(merged);
    REQUIRE(next);
    // Each process's position is its last item shown; one that did not answer keeps its own.
    CHECK(*next == Positions{{"local", kernel::encode_cursor(34)},
                             {"http://h:1", kernel::encode_cursor(21)},
                             {"http://h:2", "kept"}});
    REQUIRE(merged.at("unavailable").as_array().size() == 1);
    CHECK(merged.at("unavailable").as_array()[0].at("upstream") == "http://h:2");

    SUBCASE("the last page has no next cursor") {
      auto last = mart::deployment::merge_page(
          {page("local", {66}, false), page("http://h:1", {37}, false)}, 3,
          PageOrder::id_ascending);
      CHECK(ids_of(last) == std::vector<std::int64_t>{37, 66});
      CHECK(last.at("next_cursor").is_null());
      CHECK(last.at("unavailable").as_array().empty());
    }
    SUBCASE("a full page with more in one process has a next cursor") {
      auto full = mart::deployment::merge_page(
          {page("local", {18, 34}, true), page("http://h:1", {}, false)}, 2,
          PageOrder::id_ascending);
      CHECK(ids_of(full) == std::vector<std::int64_t>{18, 34});
      REQUIRE(next_of(full));
      CHECK(next_of(full)->at("local") == kernel::encode_cursor(34));
    }
    SUBCASE("an id two processes answer is listed once") {
      auto twice = mart::deployment::merge_page(
          {page("local", {18}, false), page("http://h:1", {18, 21}, false)}, 5,
          PageOrder::id_ascending);
      CHECK(ids_of(twice) == std::vector<std::int64_t>{18, 21});
    }
  }

  TEST_CASE("[merge_page] the audit: newest first by time, then id") {
    auto merged = mart::deployment::merge_page(
        {answered("local", {}, R"({"items":[{"id":50,"at":"2026-01-01T10:00:03.000Z"},
                                            {"id":34,"at":"2026-01-01T10:00:01.000Z"}],
                                   "next_cursor":null})"),
         answered("http://h:1", {}, R"({"items":[{"id":21,"at":"2026-01-01T10:00:02.000Z"},
                                                 {"id":37,"at":"2026-01-01T10:00:01.000Z"}],
                                        "next_cursor":null})")},
        10, PageOrder::newest_first);
    CHECK(ids_of(merged) == std::vector<std::int64_t>{50, 21, 37, 34});
    CHECK(merged.at("next_cursor").is_null());
  }

  TEST_CASE("[merge_page] walking the cursor shows every item of every process once, in order") {
    // Times that do not follow the ids across processes (as the audit's do not).
    const std::vector<Row> local = {{18, "10:05"}, {34, "10:01"}, {50, "10:09"}, {66, "10:03"},
                                    {82, "10:03"}, {98, "10:20"}, {114, "10:02"}};
    const std::vector<Row> remote = {{21, "10:04"}, {37, "10:03"}, {133, "10:00"}, {149, "10:30"}};
    const std::vector<Row> other = {{19, "10:07"}, {35, "10:07"}, {51, "10:01"}};
    for (auto order : {PageOrder::id_ascending, PageOrder::newest_first}) {
      for (int limit : {1, 2, 3, 5, 20}) {
        CAPTURE(limit);
        CAPTURE(order == PageOrder::id_ascending);
        std::vector<std::int64_t> seen;
        Positions from;
        for (int pages = 0; pages < 50; ++pages) {
          auto merged =
              mart::deployment::merge_page({listing("local", local, from, limit, order),
                                            listing("http://h:1", remote, from, limit, order),
                                            listing("http://h:2", other, from, limit, order)},
                                           limit, order, from);
          auto ids = ids_of(merged);
          CHECK(static_cast<int>(ids.size()) <= limit);
          seen.insert(seen.end(), ids.begin(), ids.end());
          auto next = next_of(merged);
          if (!next) break;
          from = *next;
        }
        std::vector<Row> all = local;
        all.insert(all.end(), remote.begin(), remote.end());
        all.insert(all.end(), other.begin(), other.end());
        std::sort(all.begin(), all.end(),
                  [&](const Row& a, const Row& b) { return before(a, b, order); });
        std::vector<std::int64_t> expected;
        for (const auto& row : all) expected.push_back(row.id);
        CHECK(seen == expected);
      }
    }
  }

  TEST_CASE("[positions] a merged cursor round-trips; another cursor is not one") {
    Positions positions{{"local", kernel::encode_cursor(18)}, {"http://h:1", "abc"}};
    CHECK(mart::deployment::decode_positions(mart::deployment::encode_positions(positions)) ==
          positions);
    CHECK_FALSE(mart::deployment::decode_positions(kernel::encode_cursor(18)));
    CHECK_FALSE(mart::deployment::decode_positions("not base64 !"));
    CHECK_FALSE(mart::deployment::decode_positions(""));
  }

  TEST_CASE("[merge_timeline] events of every process, one per id, in time and causation order") {
    auto merged = mart::deployment::merge_timeline({
        answered("local", {"orders"}, R"({"key":"7","events":[
          {"id":"e1","type":"orders.order_placed.v1","time":"2026-01-01T10:00:00.000Z",
           "key":"7","handled_by":[{"subscriber":"inventory.on_order_placed",
           "handled_at":"2026-01-01T10:00:00.020Z"}],"waiting":[]},
          {"id":"e3","type":"orders.order_confirmed.v1","time":"2026-01-01T10:00:00.050Z",
           "causation_id":"e2","key":"7","handled_by":[],"waiting":[]}]})"),
        answered("http://h:1", {"inventory", "notifications"}, R"({"key":"7","events":[
          {"id":"e1","type":"orders.order_placed.v1","time":"2026-01-01T10:00:00.000Z",
           "key":"7","handled_by":[{"subscriber":"inventory.on_order_placed",
           "handled_at":"2026-01-01T10:00:00.020Z"},{"subscriber":"notifications.on_order_placed",
           "handled_at":"2026-01-01T10:00:00.010Z"}],
           "waiting":[{"subscriber":"analytics.on_order_placed","status":"retrying"}]},
          {"id":"e2","type":"inventory.stock_reserved.v1","time":"2026-01-01T10:00:00.050Z",
           "causation_id":"e1","key":"7","handled_by":[],"waiting":[]}]})"),
        failed("http://h:2", {"payments"}, "HTTP 502: cannot be reached"),
    });
    CAPTURE(json::serialize(merged));
    CHECK(merged.at("key") == "7");
    const auto& events = merged.at("events").as_array();
    REQUIRE(events.size() == 3);
    // e2 and e3 share a millisecond: e3 was caused by e2, so it comes after it.
    CHECK(events[0].at("id") == "e1");
    CHECK(events[1].at("id") == "e2");
    CHECK(events[2].at("id") == "e3");
    const auto& handled = events[0].at("handled_by").as_array();
    REQUIRE(handled.size() == 2);  // the union, one per subscriber, by handled_at
    CHECK(handled[0].at("subscriber") == "notifications.on_order_placed");
    CHECK(handled[1].at("subscriber") == "inventory.on_order_placed");
    REQUIRE(events[0].at("waiting").as_array().size() == 1);
    CHECK(events[0].at("waiting").as_array()[0].at("subscriber") == "analytics.on_order_placed");
    REQUIRE(merged.at("unavailable").as_array().size() == 1);
    CHECK(merged.at("unavailable").as_array()[0].at("modules") == json::parse(R"(["payments"])"));
  }

  TEST_CASE("[merge_timeline] the second round: what other processes' subscribers did") {
    // e1 is in its publisher's outbox (local); notifications handled it in another process,
    // which holds no event keyed 7 of its own.
    std::vector<ProcessAnswer> answers = {
        answered("local", {"orders"}, R"({"key":"7","events":[
          {"id":"e1","type":"orders.order_placed.v1","time":"2026-01-01T10:00:00.000Z",
           "handled_by":[{"subscriber":"inventory.on_order_placed",
           "handled_at":"2026-01-01T10:00:00.020Z"}],"waiting":[]}]})"),
        answered("http://h:1", {"notifications"}, R"({"key":"7","events":[]})"),
        answered("http://h:2", {"payments"}, R"({"key":"7","events":[]})"),
    };
    CHECK(mart::deployment::timeline_ids(answers) == std::vector<std::string>{"e1"});
    auto merged = mart::deployment::merge_timeline(
        answers, {
                     answered("http://h:1", {"notifications"}, R"({"events":[
          {"id":"e1","handled_by":[{"subscriber":"notifications.on_order_placed",
           "handled_at":"2026-01-01T10:00:00.010Z"}],"waiting":[]},
          {"id":"not-in-the-timeline","handled_by":[{"subscriber":"x"}],"waiting":[]}]})"),
                     failed("http://h:2", {"payments"}, "deliveries: HTTP 504"),
                     failed("http://h:2", {"payments"}, "deliveries: HTTP 504"),
                 });
    CAPTURE(json::serialize(merged));
    const auto& events = merged.at("events").as_array();
    REQUIRE(events.size() == 1);  // a stub adds to a known event, never makes one
    const auto& handled = events[0].at("handled_by").as_array();
    REQUIRE(handled.size() == 2);
    CHECK(handled[0].at("subscriber") == "notifications.on_order_placed");
    CHECK(handled[1].at("subscriber") == "inventory.on_order_placed");
    CHECK(events[0].at("type") == "orders.order_placed.v1");   // the full event kept
    REQUIRE(merged.at("unavailable").as_array().size() == 1);  // once, however many calls failed
    CHECK(merged.at("unavailable").as_array()[0].at("error") == "deliveries: HTTP 504");
  }

  TEST_CASE("[merge_timeline] a cycle of causes does not hang the merge") {
    auto merged = mart::deployment::merge_timeline({answered("local", {}, R"({"key":"k","events":[
        {"id":"a","time":"2026-01-01T10:00:00.000Z","causation_id":"b"},
        {"id":"b","time":"2026-01-01T10:00:00.000Z","causation_id":"a"}]})")});
    CHECK(merged.at("events").as_array().size() == 2);
  }
}
