// The fault injector (kernel/faults.hpp), its settings (faults.*, refused unless faults.enabled)
// and its stop point in the migrations runner (a forked child killed mid-migration).

#include "config/config.hpp"
#include "temp_dir.hpp"

#include <kernel/database.hpp>
#include <kernel/faults.hpp>
#include <kernel/migrations.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace {

std::string config_error(const std::vector<std::string>& args) {
  try {
    mart::load_config(args, {});
  } catch (const mart::ConfigError& e) {
    return e.what();
  }
  return {};
}

bool table_exists(kernel::Database& db, const std::string& table) {
  return db.read([&](kernel::Connection& c) {
    SQLite::Statement q(c.raw(), "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    q.bind(1, table);
    return q.executeStep();
  });
}

}  // namespace

TEST_SUITE("faults") {
  TEST_CASE("[Faults] settings: off by default, parsed when enabled") {
    auto off = mart::load_config({}, {});
    CHECK_FALSE(off.faults.enabled);
    CHECK(off.faults.stop_at == kernel::faults::StopPoint::none);
    CHECK(off.faults.stop_rate == 1);

    auto on = mart::load_config(
        {"--faults-enabled", "true", "--faults-handler-failure-rate", "0.1",
         "--faults-delivery-delay-ms", "25", "--faults-delivery-delay-rate", "0.5",
         "--faults-duplicate-rate", "0.2", "--faults-stop-at", "between_effect_and_inbox",
         "--faults-stop-rate", "0.05", "--faults-seed", "42"},
        {});
    CHECK(on.faults.enabled);
    CHECK(on.faults.handler_failure_rate == doctest::Approx(0.1));
    CHECK(on.faults.delivery_delay == std::chrono::milliseconds(25));
    CHECK(on.faults.delivery_delay_rate == doctest::Approx(0.5));
    CHECK(on.faults.duplicate_rate == doctest::Approx(0.2));
    CHECK(on.faults.stop_at == kernel::faults::StopPoint::between_effect_and_inbox);
    CHECK(on.faults.stop_rate == doctest::Approx(0.05));
    CHECK(on.faults.seed == 42);

    auto env = mart::load_config(
        {}, {{"MART_FAULTS_ENABLED", "true"}, {"MART_FAULTS_STOP_AT", "mid_migration"}});
    CHECK(env.faults.stop_at == kernel::faults::StopPoint::mid_migration);
  }

  TEST_CASE("[Faults] every other faults.* key is refused unless faults.enabled = true") {
    const std::vector<std::pair<std::string, std::string>> keys = {
        {"--faults-handler-failure-rate", "0.1"},
        {"--faults-delivery-delay-ms", "10"},
        {"--faults-delivery-delay-rate", "1"},
        {"--faults-duplicate-rate", "0.1"},
        {"--faults-stop-at", "after_kafka_ack"},
        {"--faults-stop-rate", "0.5"},
        {"--faults-seed", "7"}};
    for (const auto& [flag, value] : keys) {
      CAPTURE(flag);
      auto key = "faults." + flag.substr(std::string("--faults-").size());
      std::replace(key.begin() + 7, key.end(), '-', '_');
      auto error = config_error({flag, value});
      CHECK(error.find(key) != std::string::npos);
      CHECK(error.find("faults.enabled") != std::string::npos);
      CHECK(config_error({flag, value, "--faults-enabled", "false"}).find(key) !=
            std::string::npos);
      CHECK(config_error({flag, value, "--faults-enabled", "true"}).empty());
    }
    // From a file too; a key at its default (as config/mart.conf states them) is no injection.
    mart::test::TempDir dir;
    auto file = dir.path() / "faults.conf";
    std::ofstream(file) << "faults.duplicate_rate = 0.3\n";
    CHECK(config_error({"--config", file.string()}).find("faults.duplicate_rate") !=
          std::string::npos);
    std::ofstream(file) << "faults.duplicate_rate = 0\nfaults.stop_rate = 1\nfaults.stop_at =\n";
    CHECK(config_error({"--config", file.string()}).empty());
  }

  TEST_CASE("[Faults] bad values name the setting") {
    CHECK(config_error({"--faults-enabled", "true", "--faults-handler-failure-rate", "1.5"})
              .find("faults.handler_failure_rate") != std::string::npos);
    CHECK(config_error({"--faults-enabled", "true", "--faults-duplicate-rate", "-0.1"})
              .find("faults.duplicate_rate") != std::string::npos);
    CHECK(config_error({"--faults-enabled", "true", "--faults-stop-at", "somewhere"})
              .find("faults.stop_at") != std::string::npos);
    CHECK(config_error({"--faults-enabled", "yes"}).find("faults.enabled") != std::string::npos);
  }

  TEST_CASE("[Faults] the injector: off does nothing, rates 0 and 1, a seed repeats the choices") {
    kernel::faults::configure({});
    CHECK_FALSE(kernel::faults::enabled());

    kernel::faults::Settings s;
    s.enabled = true;
    s.handler_failure_rate = 1;
    kernel::faults::configure(s);
    CHECK(kernel::faults::enabled());
    CHECK(kernel::faults::fail_handler());
    CHECK_FALSE(kernel::faults::deliver_again());                       // rate 0
    kernel::faults::stop_at(kernel::faults::StopPoint::mid_migration);  // not the point: returns
    CHECK(kernel::faults::counts().handler_failures == 1);

    s.handler_failure_rate = 0.5;
    s.seed = 99;
    auto draws = [&] {
      kernel::faults::configure(s);
      std::vector<bool> out;
      for (int i = 0; i < 64; ++i) out.push_back(kernel::faults::fail_handler());
      return out;
    };
    auto first = draws();
    CHECK(first == draws());
    auto failed = std::count(first.begin(), first.end(), true);
    CHECK(failed > 10);
    CHECK(failed < 54);
    kernel::faults::configure({});
    CHECK_FALSE(kernel::faults::enabled());
  }

  TEST_CASE("[Faults] stop mid-migration: nothing of it stays, and the next start applies it") {
    mart::test::TempDir dir;
    const std::vector<kernel::Migration> set = {
        {1, "0001_two_tables.sql",
         "CREATE TABLE first_table (id INTEGER PRIMARY KEY);\n"
         "-- the stop point is between these two statements\n"
         "CREATE TABLE second_table (id INTEGER PRIMARY KEY);\n"}};
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      kernel::faults::Settings s;
      s.enabled = true;
      s.stop_at = kernel::faults::StopPoint::mid_migration;
      kernel::faults::configure(s);
      auto db = kernel::Database::open("m", dir.path() / "m.db");
      kernel::apply_migrations(*db, "m", set);
      _exit(3);  // not reached
    }
    int status = 0;
    waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);

    auto db = kernel::Database::open("m", dir.path() / "m.db");
    CHECK_FALSE(table_exists(*db, "first_table"));  // the migration's transaction was lost
    CHECK(kernel::apply_migrations(*db, "m", set) == 1);
    CHECK(table_exists(*db, "first_table"));
    CHECK(table_exists(*db, "second_table"));
  }

  TEST_CASE("[Faults] with faults on, a migration runs statement by statement to the same end") {
    mart::test::TempDir dir;
    kernel::faults::Settings s;
    s.enabled = true;  // no stop point
    kernel::faults::configure(s);
    auto db = kernel::Database::open("m", dir.path() / "m.db");
    const std::vector<kernel::Migration> set = {
        {1, "0001_a.sql",
         "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO a(v) VALUES ('x');\n"
         "INSERT INTO a(v) VALUES ('y');"},
        {2, "0002_bad.sql", "INSERT INTO nowhere VALUES (1);"}};
    CHECK_THROWS_AS(kernel::apply_migrations(*db, "m", set), kernel::MigrationError);
    kernel::faults::configure({});
    CHECK(db->read([](kernel::Connection& c) {
      SQLite::Statement q(c.raw(), "SELECT COUNT(*) FROM a");
      q.executeStep();
      return q.getColumn(0).getInt();
    }) == 2);
  }
}
