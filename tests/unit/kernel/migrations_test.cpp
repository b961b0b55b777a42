#include "temp_dir.hpp"

#include <kernel/migrations.hpp>
#include <migrations/embedded.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>

namespace {

std::vector<kernel::Migration> sample() {
  return {{2, "0002_add_color.sql", "ALTER TABLE things ADD COLUMN color TEXT;"},
          {1, "0001_create_things.sql", "CREATE TABLE things (id INTEGER PRIMARY KEY);"}};
}

int count(kernel::Database& db, const char* sql) {
  return db.read([&](kernel::Connection& c) {
    SQLite::Statement q(c.raw(), sql);
    q.executeStep();
    return q.getColumn(0).getInt();
  });
}

std::vector<kernel::Migration> up_to(std::string_view scope, int version) {
  std::vector<kernel::Migration> out;
  for (auto& m : mart::migrations::for_scope(scope)) {
    if (m.version <= version) out.push_back(std::move(m));
  }
  return out;
}

std::vector<std::string> tables(kernel::Database& db) {
  return db.read([](kernel::Connection& c) {
    std::vector<std::string> out;
    SQLite::Statement q(c.raw(),
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                        "name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'");
    while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    return out;
  });
}

// The opcodes SQLite compiles `sql` to.
std::vector<std::string> opcodes(kernel::Database& db, const std::string& sql) {
  return db.read([&](kernel::Connection& c) {
    std::vector<std::string> out;
    SQLite::Statement q(c.raw(), "EXPLAIN " + sql);
    while (q.executeStep()) out.push_back(q.getColumn(1).getString());
    return out;
  });
}

}  // namespace

TEST_SUITE("kernel") {
  TEST_CASE("[Migrations] apply in version order once, recorded with checksums") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("things", dir.path() / "things.db");
    CHECK(kernel::apply_migrations(*db, "things", sample()) == 2);
    CHECK(count(*db, "SELECT COUNT(*) FROM schema_migrations WHERE scope = 'things'") == 2);
    db->write([](kernel::Connection& c) { c.exec("INSERT INTO things(color) VALUES ('red')"); });
    CHECK(kernel::apply_migrations(*db, "things", sample()) == 0);  // idempotent at restart
    auto reopened = kernel::Database::open("things", dir.path() / "things.db");
    CHECK(kernel::apply_migrations(*reopened, "things", sample()) == 0);
    CHECK(count(*reopened, "SELECT COUNT(*) FROM things") == 1);
  }

  TEST_CASE("[Migrations] an edited, already-applied migration stops start-up") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("things", dir.path() / "things.db");
    kernel::apply_migrations(*db, "things", sample());
    auto edited = sample();
    edited[1].sql = "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT);";
    try {
      kernel::apply_migrations(*db, "things", edited);
      FAIL("edited migration accepted");
    } catch (const kernel::MigrationError& e) {
      CHECK(std::string(e.what()).find("0001_create_things.sql was edited") != std::string::npos);
    }
  }

  TEST_CASE("[Migrations] a database from a newer build is refused") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("things", dir.path() / "things.db");
    kernel::apply_migrations(*db, "things", sample());
    auto older = sample();
    older.erase(older.begin());  // this build only knows 0001
    CHECK_THROWS_AS(kernel::apply_migrations(*db, "things", older), kernel::MigrationError);
  }

  TEST_CASE("[Migrations] a failing migration leaves nothing half-applied") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("things", dir.path() / "things.db");
    auto broken = sample();
    broken.push_back({3, "0003_broken.sql", "CREATE TABLE extra (x); SELECT * FROM nowhere;"});
    CHECK_THROWS_AS(kernel::apply_migrations(*db, "things", broken), kernel::MigrationError);
    CHECK(count(*db, "SELECT COUNT(*) FROM schema_migrations") == 2);
    CHECK(count(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'extra'") == 0);
  }

  TEST_CASE("[Migrations] a table others refer to is rebuilt, and a dangling reference refused") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("things", dir.path() / "things.db");
    std::vector<kernel::Migration> set{
        {1, "0001_parent_child.sql",
         "CREATE TABLE parent (id INTEGER PRIMARY KEY, kind TEXT);"
         "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL "
         "REFERENCES parent(id));"
         "INSERT INTO parent(id, kind) VALUES (1, 'a'), (2, 'b');"
         "INSERT INTO child(parent_id) VALUES (1), (2);"},
        {2, "0002_rebuild_parent.sql",
         "CREATE TABLE parent_v2 (id INTEGER PRIMARY KEY, kind TEXT CHECK (kind = 'a' OR "
         "kind = 'b'));"
         "INSERT INTO parent_v2(id, kind) SELECT id, kind FROM parent;"
         "DROP TABLE parent; ALTER TABLE parent_v2 RENAME TO parent;"}};
    // With foreign keys on, the DROP would delete through the children's references.
    CHECK(kernel::apply_migrations(*db, "things", set) == 2);
    CHECK(count(*db, "SELECT COUNT(*) FROM child JOIN parent ON parent.id = child.parent_id") == 2);
    // Foreign keys are on again afterwards.
    CHECK_THROWS(db->write(
        [](kernel::Connection& c) { c.exec("INSERT INTO child(parent_id) VALUES (9)"); }));

    set.push_back({3, "0003_orphan.sql", "DELETE FROM parent WHERE id = 2;"});
    try {
      kernel::apply_migrations(*db, "things", set);
      FAIL("a migration that left a dangling reference was applied");
    } catch (const kernel::MigrationError& e) {
      CHECK(std::string(e.what()).find("a row of child refers to a missing row of parent") !=
            std::string::npos);
    }
    CHECK(count(*db, "SELECT COUNT(*) FROM parent") == 2);
    CHECK(count(*db, "SELECT COUNT(*) FROM schema_migrations") == 2);
    CHECK_THROWS(db->write(
        [](kernel::Connection& c) { c.exec("INSERT INTO child(parent_id) VALUES (9)"); }));
  }

  TEST_CASE("[Migrations] no module's table builds a temporary B-tree to check a row") {
    // SQLite codes `x IN (a, b, c, ...)` (three values or more) as a temporary B-tree built on
    // every execution of the statement: in a CHECK constraint that is one per row written.
    for (const char* scope :
         {"eventbus", "products", "orders", "payments", "inventory", "notifications", "users"}) {
      auto db = kernel::Database::open_in_memory(scope);
      // The bus's tables first, as at start-up (orders/0003 scrubs the outbox).
      kernel::apply_migrations(*db, "eventbus", mart::migrations::for_scope("eventbus"));
      kernel::apply_migrations(*db, scope, mart::migrations::for_scope(scope));
      for (const auto& table : tables(*db)) {
        CAPTURE(table);
        auto ops = opcodes(*db, "INSERT INTO \"" + table + "\" DEFAULT VALUES");
        CHECK(std::find(ops.begin(), ops.end(), "OpenEphemeral") == ops.end());
      }
    }
  }

  TEST_CASE("[Migrations] orders, payments and reservations rebuilt keep their rows and ids") {
    mart::test::TempDir dir;
    auto orders = kernel::Database::open("orders", dir.path() / "orders.db");
    kernel::apply_migrations(*orders, "orders", up_to("orders", 1));
    orders->write([](kernel::Connection& c) {
      c.exec(
          "INSERT INTO orders(id, user_id, status, cancel_reason, total_cents, currency, "
          "created_at, updated_at, updated_ms) VALUES "
          "(7, 1, 'cancelled', 'out_of_stock', 500, 'EUR', 't', 't', 1), "
          "(9, 2, 'confirmed', NULL, 700, 'EUR', 't', 't', 2);"
          "INSERT INTO order_lines VALUES (7, 1, 3, 1, 500), (9, 1, 3, 1, 700);");
    });
    CHECK(kernel::apply_migrations(*orders, "orders", up_to("orders", 2)) == 1);
    CHECK(count(*orders, "SELECT COUNT(*) FROM orders JOIN order_lines ON order_id = id") == 2);
    CHECK(count(*orders,
                "SELECT COUNT(*) FROM orders WHERE id = 7 AND status = 'cancelled' AND "
                "cancel_reason = 'out_of_stock'") == 1);
    CHECK(count(*orders,
                "SELECT COUNT(*) FROM sqlite_master WHERE name IN "
                "('orders_by_user', 'orders_by_status')") == 2);
    orders->write([](kernel::Connection& c) {
      c.exec(
          "INSERT INTO orders(user_id, status, total_cents, currency, created_at, updated_at, "
          "updated_ms) VALUES (1, 'pending', 1, 'EUR', 't', 't', 3)");
    });
    CHECK(count(*orders, "SELECT MAX(id) FROM orders") == 10);  // after the largest, as before
    CHECK_THROWS(orders->write(
        [](kernel::Connection& c) { c.exec("UPDATE orders SET status = 'lost' WHERE id = 9"); }));
    CHECK_THROWS(orders->write([](kernel::Connection& c) {
      c.exec("UPDATE orders SET cancel_reason = 'whim' WHERE id = 7");
    }));

    auto payments = kernel::Database::open("payments", dir.path() / "payments.db");
    kernel::apply_migrations(*payments, "payments", up_to("payments", 1));
    payments->write([](kernel::Connection& c) {
      c.exec(
          "INSERT INTO payments(id, order_id, user_id, amount_cents, currency, status, "
          "created_at, updated_at) VALUES (4, 9, 2, 700, 'EUR', 'refunded', 't', 't')");
    });
    CHECK(kernel::apply_migrations(*payments, "payments",
                                   mart::migrations::for_scope("payments")) == 1);
    CHECK(count(*payments,
                "SELECT COUNT(*) FROM payments WHERE id = 4 AND order_id = 9 AND "
                "status = 'refunded'") == 1);
    CHECK_THROWS(payments->write([](kernel::Connection& c) {
      c.exec("UPDATE payments SET status = 'pending' WHERE id = 4");
    }));

    auto inventory = kernel::Database::open("inventory", dir.path() / "inventory.db");
    kernel::apply_migrations(*inventory, "inventory", up_to("inventory", 1));
    inventory->write([](kernel::Connection& c) {
      c.exec(
          "INSERT INTO reservations VALUES (9, 'committed', 't', 't');"
          "INSERT INTO reservation_lines VALUES (9, 3, 1, 0);");
    });
    CHECK(kernel::apply_migrations(*inventory, "inventory",
                                   mart::migrations::for_scope("inventory")) == 1);
    CHECK(count(*inventory,
                "SELECT COUNT(*) FROM reservations r JOIN reservation_lines l ON "
                "l.order_id = r.order_id WHERE r.status = 'committed'") == 1);
    CHECK_THROWS(inventory->write([](kernel::Connection& c) {
      c.exec("UPDATE reservations SET status = 'lost' WHERE order_id = 9");
    }));
  }
}
