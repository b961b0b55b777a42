// The invariant checker against a data directory with one breach injected by SQL at a time.

#include "shop_data_dir.hpp"

#include "backup/file_io.hpp"
#include "check/checker.hpp"
#include "check/consistent_cut.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace mart::test;
namespace check = mart::check;

namespace {

// The breaches of `invariant` in the report.
std::vector<check::Breach> breaches_of(const check::Report& report, const std::string& invariant) {
  std::vector<check::Breach> out;
  for (const auto& b : report.breaches()) {
    if (b.invariant == invariant) out.push_back(b);
  }
  return out;
}

std::string text_of(const check::Report& report) {
  return report.to_text();
}

}  // namespace

TEST_SUITE("check") {
  TEST_CASE("[Checker] a consistent shop passes, and every invariant is checked") {
    ShopDataDir shop;
    auto report = check::check_data_dir(shop.path());
    CAPTURE(text_of(report));
    CHECK(report.ok());
    for (const char* name :
         {check::invariant::kModuleMissing, check::invariant::kStockConserved,
          check::invariant::kStockNotNegative, check::invariant::kConfirmedOrderPaid,
          check::invariant::kCancelledOrderUnpaid, check::invariant::kOneNotificationPerFact,
          check::invariant::kPositionWithinOutbox, check::invariant::kNoStuckOrder,
          check::invariant::kMigrationsMatch}) {
      auto checked = report.checked_names();
      CHECK_MESSAGE(std::find(checked.begin(), checked.end(), name) != checked.end(), name);
    }
    CHECK(report.counts().at("orders") == 3);
    CHECK(report.counts().at("payments") == 2);
    CHECK(report.skipped_notes().empty());
  }

  TEST_CASE("[Checker] a negative stock level is a breach") {
    ShopDataDir shop;
    shop.sql("inventory",
             "UPDATE stock SET available = -1, reserved = 9 WHERE product_id = 1;"
             "UPDATE reservation_lines SET quantity = 9 WHERE order_id = 2");
    auto report = check::check_data_dir(shop.path());
    auto found = breaches_of(report, check::invariant::kStockNotNegative);
    REQUIRE(found.size() == 1);
    CHECK(found[0].subject == "product 1");
    CHECK(found[0].module == "inventory");
    CHECK(text_of(report).find("BREACH stock_not_negative: product 1: available -1") !=
          std::string::npos);
  }

  TEST_CASE("[Checker] stock that does not add up to its adjustments is a breach") {
    ShopDataDir shop;
    SUBCASE("a unit appeared") {
      shop.sql("inventory", "UPDATE stock SET available = 8");
    }
    SUBCASE("an adjustment was lost") {
      shop.sql("inventory", "DELETE FROM adjustments");
    }
    SUBCASE("reserved differs from the held reservations") {
      shop.sql("inventory", "UPDATE reservations SET status = 'released' WHERE order_id = 2");
    }
    SUBCASE("sold differs from the committed reservations") {
      shop.sql("inventory", "UPDATE reservations SET status = 'returned' WHERE order_id = 1");
    }
    auto report = check::check_data_dir(shop.path());
    CAPTURE(text_of(report));
    CHECK(!report.ok());
    CHECK(breaches_of(report, check::invariant::kStockConserved).size() == 1);
  }

  TEST_CASE("[Checker] a confirmed order without exactly one succeeded payment of its total") {
    ShopDataDir shop;
    SUBCASE("no payment") {
      shop.sql("payments", "DELETE FROM payments WHERE order_id = 1");
    }
    SUBCASE("a payment of another amount") {
      shop.sql("payments", "UPDATE payments SET amount_cents = 400 WHERE order_id = 1");
    }
    SUBCASE("a refunded payment") {
      shop.sql("payments", "UPDATE payments SET status = 'refunded' WHERE order_id = 1");
    }
    SUBCASE("a second succeeded payment") {
      // payments.order_id is UNIQUE: only a table rebuilt without it can hold a second one.
      shop.sql("payments",
               "CREATE TABLE p2 AS SELECT * FROM payments; DROP TABLE payments;"
               "ALTER TABLE p2 RENAME TO payments;"
               "INSERT INTO payments(id, order_id, user_id, amount_cents, currency, status, "
               "created_at, updated_at) VALUES (3, 1, 7, 500, 'USD', 'succeeded', 't', 't')");
    }
    SUBCASE("a shipped order without payment") {
      shop.sql("orders", "UPDATE orders SET status = 'shipped' WHERE id = 1");
      shop.sql("payments", "DELETE FROM payments WHERE order_id = 1");
    }
    auto report = check::check_data_dir(shop.path());
    auto found = breaches_of(report, check::invariant::kConfirmedOrderPaid);
    CAPTURE(text_of(report));
    REQUIRE(found.size() == 1);
    CHECK(found[0].subject == "order 1");
    CHECK(report.total_breaches() == 1);
  }

  TEST_CASE("[Checker] a cancelled order that keeps a succeeded payment is a breach") {
    ShopDataDir shop;
    shop.sql("payments", "UPDATE payments SET status = 'succeeded' WHERE order_id = 3");
    auto report = check::check_data_dir(shop.path());
    auto found = breaches_of(report, check::invariant::kCancelledOrderUnpaid);
    REQUIRE(found.size() == 1);
    CHECK(found[0].subject == "order 3");
    CHECK(found[0].detail.find("payment 2 succeeded of 1000 USD") != std::string::npos);
  }

  TEST_CASE("[Checker] a cancelled order's refund in flight is not a breach, until it is handled") {
    ShopDataDir shop;
    shop.sql("payments", "UPDATE payments SET status = 'succeeded' WHERE order_id = 3");
    shop.sql("orders",
             "INSERT INTO bus_outbox(seq, event_id, type, topic, aggregate_key, correlation_id, "
             "occurred_ms, payload) VALUES (4, 'cancel3', 'orders.order_cancelled.v1', "
             "'OrderEvents', '3', 'c', 0, '{}')");
    SUBCASE("not yet read by payments") {
      auto report = check::check_data_dir(shop.path());
      CAPTURE(text_of(report));
      CHECK(report.ok());
      CHECK(report.counts().at("refunds_in_flight") == 1);
    }
    SUBCASE("parked in payments for a retry") {
      shop.sql("payments",
               "INSERT INTO bus_positions(source, seq) VALUES ('orders', 4);"
               "INSERT INTO bus_parked(subscriber, aggregate_key, event_id, event_type, source, "
               "envelope, status, attempts, parked_ms, updated_ms) VALUES ('payments.on_cancel', "
               "'3', 'cancel3', 'orders.order_cancelled.v1', 'orders', '{}', 'pending', 1, 0, 0)");
      CHECK(check::check_data_dir(shop.path()).ok());
    }
    SUBCASE("read by payments, and no refund: a breach") {
      shop.sql("payments", "INSERT INTO bus_positions(source, seq) VALUES ('orders', 4)");
      CHECK(breaches_of(check::check_data_dir(shop.path()), check::invariant::kCancelledOrderUnpaid)
                .size() == 1);
    }
    SUBCASE("a dead letter in payments: a breach that says so") {
      shop.sql("payments",
               "INSERT INTO bus_positions(source, seq) VALUES ('orders', 4);"
               "INSERT INTO bus_parked(subscriber, aggregate_key, event_id, event_type, source, "
               "envelope, status, attempts, parked_ms, updated_ms) VALUES ('payments.on_cancel', "
               "'3', 'cancel3', 'orders.order_cancelled.v1', 'orders', '{}', 'dead', 5, 0, 0)");
      auto found =
          breaches_of(check::check_data_dir(shop.path()), check::invariant::kCancelledOrderUnpaid);
      REQUIRE(found.size() == 1);
      CHECK(found[0].detail.find("dead letter in payments") != std::string::npos);
    }
  }

  TEST_CASE("[Checker] two notifications of one fact to one user are a breach") {
    ShopDataDir shop;
    // The table's UNIQUE (source_event_id, user_id) forbids it: rebuilt without it.
    shop.sql("notifications",
             "CREATE TABLE n2 AS SELECT * FROM notifications; DROP TABLE notifications;"
             "ALTER TABLE n2 RENAME TO notifications;"
             "INSERT INTO notifications SELECT id + 1, user_id, source_event_id, 'e9', event_type, "
             "order_id, message, channel, status, is_read, created_at, delivered_at "
             "FROM notifications");
    auto report = check::check_data_dir(shop.path());
    auto found = breaches_of(report, check::invariant::kOneNotificationPerFact);
    REQUIRE(found.size() == 1);
    CHECK(found[0].subject == "user 7");
    CHECK(found[0].detail == "2 notifications of orders.order_placed.v1/order/1");
  }

  TEST_CASE("[Checker] a consumer position past the head of the outbox it reads is a breach") {
    ShopDataDir shop;
    SUBCASE("a consumer's position") {
      shop.sql("inventory", "UPDATE bus_positions SET seq = 4 WHERE source = 'orders'");
    }
    SUBCASE("the outbox lost its last rows (a lost commit)") {
      shop.sql("orders", "DELETE FROM bus_outbox WHERE seq = 3; UPDATE bus_delivered SET seq = 2");
    }
    auto report = check::check_data_dir(shop.path());
    auto found = breaches_of(report, check::invariant::kPositionWithinOutbox);
    CAPTURE(text_of(report));
    REQUIRE(found.size() == 1);
    CHECK(found[0].module == "inventory");
    CHECK(found[0].subject == "inventory reads orders");
  }

  TEST_CASE("[Checker] a delivered position past its own outbox is a breach") {
    ShopDataDir shop;
    shop.sql("orders", "UPDATE bus_delivered SET seq = 9");
    auto found =
        breaches_of(check::check_data_dir(shop.path()), check::invariant::kPositionWithinOutbox);
    REQUIRE(found.size() == 1);
    CHECK(found[0].subject == "orders delivered position");
  }

  TEST_CASE("[Checker] an order waiting longer than the bound is stuck") {
    ShopDataDir shop;
    shop.sql("orders", "UPDATE orders SET updated_ms = " + std::to_string(now_ms() - 120'000) +
                           " WHERE id = 2");
    check::CheckOptions options;
    options.stuck_after = std::chrono::seconds(60);
    auto found =
        breaches_of(check::check_data_dir(shop.path(), options), check::invariant::kNoStuckOrder);
    REQUIRE(found.size() == 1);
    CHECK(found[0].subject == "order 2");
    CHECK(found[0].detail.find("in reserved for 12") == 0);

    options.stuck_after = std::chrono::seconds(600);
    CHECK(check::check_data_dir(shop.path(), options).ok());
    options.stuck_after = std::chrono::seconds(60);
    options.as_of = std::chrono::system_clock::now() - std::chrono::seconds(100);
    CHECK(check::check_data_dir(shop.path(), options).ok());
  }

  TEST_CASE("[Checker] a migration whose checksum differs from this build's is a breach") {
    ShopDataDir shop;
    SUBCASE("edited") {
      shop.sql("orders",
               "UPDATE schema_migrations SET checksum = 'abc' WHERE scope = 'orders' AND "
               "version = 1");
    }
    SUBCASE("not applied") {
      shop.sql("orders", "DELETE FROM schema_migrations WHERE scope = 'orders' AND version = 1");
    }
    SUBCASE("unknown to this build") {
      shop.sql("orders",
               "INSERT INTO schema_migrations VALUES ('orders', 999, '0999_future.sql', 'x', 't')");
    }
    auto report = check::check_data_dir(shop.path());
    auto found = breaches_of(report, check::invariant::kMigrationsMatch);
    CAPTURE(text_of(report));
    REQUIRE(found.size() == 1);
    CHECK(found[0].module == "orders");
  }

  TEST_CASE("[Checker] a missing module database is reported, not a crash") {
    ShopDataDir shop;
    std::filesystem::remove(shop.file("payments"));
    auto report = check::check_data_dir(shop.path());
    auto found = breaches_of(report, check::invariant::kModuleMissing);
    REQUIRE(found.size() == 1);
    CHECK(found[0].module == "payments");
    CHECK(!std::filesystem::exists(shop.file("payments")));  // nothing created

    SUBCASE("a split deployment's data dir: only its modules are expected") {
      check::CheckOptions options;
      options.modules = {"orders", "inventory"};
      auto split = check::check_data_dir(shop.path(), options);
      CAPTURE(text_of(split));
      CHECK(split.ok());
      // inventory reads products, which is elsewhere: said, not checked.
      bool said = false;
      for (const auto& note : split.skipped_notes()) {
        if (note.find("inventory's position in products's outbox") != std::string::npos) {
          said = true;
        }
      }
      CHECK(said);
    }
  }

  TEST_CASE("[Checker] breaches beyond the listed ones are counted") {
    ShopDataDir shop;
    std::string rows;
    for (int i = 0; i < 150; ++i) {
      rows +=
          "INSERT INTO orders(id, user_id, status, total_cents, currency, created_at, "
          "updated_at, updated_ms) VALUES (" +
          std::to_string(100 + i) + ", 7, 'confirmed', 5, 'USD', 't', 't', 0);";
    }
    shop.sql("orders", rows);
    auto report = check::check_data_dir(shop.path());
    CHECK(report.total_breaches() == 150);
    CHECK(report.breaches().size() == check::Report::kListedPerInvariant);
    CHECK(report.to_json().at("unlisted_breaches").as_int64() == 50);
    CHECK(report.to_text().find("BREACH confirmed_order_paid: (50 more)") != std::string::npos);
  }

  TEST_CASE("[ConsistentCut] reading writes nothing to the databases and leaves no file") {
    ShopDataDir shop;
    std::map<std::string, std::string> before;
    for (const auto& entry : std::filesystem::directory_iterator(shop.path())) {
      before[entry.path().filename().string()] = mart::backup::sha256_of_file(entry.path());
    }
    CHECK(check::check_data_dir(shop.path()).ok());
    std::map<std::string, std::string> after;
    for (const auto& entry : std::filesystem::directory_iterator(shop.path())) {
      after[entry.path().filename().string()] = mart::backup::sha256_of_file(entry.path());
    }
    CHECK(after == before);
  }

  TEST_CASE("[ConsistentCut] waits for a writer's lock, then sees the state after its commit") {
    ShopDataDir shop;
    SQLite::Database writer(shop.file("orders").string(), SQLite::OPEN_READWRITE);
    writer.exec("BEGIN IMMEDIATE");
    writer.exec("UPDATE orders SET total_cents = 501 WHERE id = 1");
    std::thread commit([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      writer.exec("COMMIT");
    });
    auto started = std::chrono::steady_clock::now();
    check::ConsistentCut cut(shop.path(), {"orders", "payments"});
    commit.join();
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(250));
    // A later write is not in the cut.
    writer.exec("UPDATE orders SET total_cents = 502 WHERE id = 1");
    SQLite::Statement total(*cut.module("orders"), "SELECT total_cents FROM orders WHERE id = 1");
    REQUIRE(total.executeStep());
    CHECK(total.getColumn(0).getInt64() == 501);
    CHECK(cut.module("users") == nullptr);
  }
}
