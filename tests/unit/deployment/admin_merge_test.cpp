// The merge of a split deployment's admin views (app/deployment/admin_merge): status, pages of
// dead letters and audit rows across processes (cursor and limit), and event timelines.

#include "deployment/admin_merge.hpp"

#include <kernel/pagination.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

using mart::deployment::IdOrder;
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

std::optional<std::int64_t> next_of(const json::object& merged) {
  const auto& next = merged.at("next_cursor");
  if (next.is_null()) return std::nullopt;
  return kernel::decode_cursor(next.as_string());
}

// What the process `all` (every id it holds, ascending) answers for a page after `after`.
ProcessAnswer page_of(std::string upstream, const std::vector<std::int64_t>& all,
                      std::optional<std::int64_t> after, int limit, IdOrder order) {
  std::vector<std::int64_t> ids;
  if (order == IdOrder::ascending) {
    for (auto id : all) {
      if (!after || id > *after) ids.push_back(id);
    }
  } else {
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (!after || *it < *after) ids.push_back(*it);
    }
  }
  bool more = static_cast<int>(ids.size()) > limit;
  if (more) ids.resize(static_cast<std::size_t>(limit));
  return page(std::move(upstream), ids, more);
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
        3, IdOrder::ascending);
    CHECK(ids_of(merged) == std::vector<std::int64_t>{18, 21, 34});
    CHECK(next_of(merged) == 34);
    CHECK(merged.at("items").as_array()[1].at("from") == "http://h:1");
    REQUIRE(merged.at("unavailable").as_array().size() == 1);
    CHECK(merged.at("unavailable").as_array()[0].at("upstream") == "http://h:2");

    SUBCASE("the last page has no next cursor") {
      auto last = mart::deployment::merge_page(
          {page("local", {66}, false), page("http://h:1", {37}, false)}, 3, IdOrder::ascending);
      CHECK(ids_of(last) == std::vector<std::int64_t>{37, 66});
      CHECK(last.at("next_cursor").is_null());
      CHECK(last.at("unavailable").as_array().empty());
    }
    SUBCASE("a full page with more in one process has a next cursor") {
      auto full = mart::deployment::merge_page(
          {page("local", {18, 34}, true), page("http://h:1", {}, false)}, 2, IdOrder::ascending);
      CHECK(ids_of(full) == std::vector<std::int64_t>{18, 34});
      CHECK(next_of(full) == 34);
    }
    SUBCASE("an id two processes answer is listed once") {
      auto twice = mart::deployment::merge_page(
          {page("local", {18}, false), page("http://h:1", {18, 21}, false)}, 5, IdOrder::ascending);
      CHECK(ids_of(twice) == std::vector<std::int64_t>{18, 21});
    }
  }

  TEST_CASE("[merge_page] walking the cursor visits every item of every process once, in order") {
    const std::vector<std::int64_t> local = {18, 34, 50, 66, 82, 98, 114};
    const std::vector<std::int64_t> remote = {21, 37, 133, 149};
    const std::vector<std::int64_t> other = {19, 35, 51};
    for (auto order : {IdOrder::ascending, IdOrder::descending}) {
      for (int limit : {1, 2, 3, 5, 20}) {
        CAPTURE(limit);
        CAPTURE(order == IdOrder::ascending);
        std::vector<std::int64_t> seen;
        std::optional<std::int64_t> after;
        for (int pages = 0; pages < 50; ++pages) {
          auto merged =
              mart::deployment::merge_page({page_of("local", local, after, limit, order),
                                            page_of("http://h:1", remote, after, limit, order),
                                            page_of("http://h:2", other, after, limit, order)},
                                           limit, order);
          auto ids = ids_of(merged);
          CHECK(static_cast<int>(ids.size()) <= limit);
          seen.insert(seen.end(), ids.begin(), ids.end());
          after = next_of(merged);
          if (!after) break;
        }
        std::vector<std::int64_t> expected = local;
        expected.insert(expected.end(), remote.begin(), remote.end());
        expected.insert(expected.end(), other.begin(), other.end());
        std::sort(expected.begin(), expected.end());
        if (order == IdOrder::descending) std::reverse(expected.begin(), expected.end());
        CHECK(seen == expected);
      }
    }
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

  TEST_CASE("[merge_timeline] a cycle of causes does not hang the merge") {
    auto merged = mart::deployment::merge_timeline({answered("local", {}, R"({"key":"k","events":[
        {"id":"a","time":"2026-01-01T10:00:00.000Z","causation_id":"b"},
        {"id":"b","time":"2026-01-01T10:00:00.000Z","causation_id":"a"}]})")});
    CHECK(merged.at("events").as_array().size() == 2);
  }
}
