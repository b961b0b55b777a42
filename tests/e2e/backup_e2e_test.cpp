// The real binary's `mart check`, `mart backup` and `mart restore`: a backup of a running mart
// under order load restores into an empty data dir where every invariant holds and the flow goes
// on; breaches, corrupted and half-written backups are refused with the documented exit codes.

#include "server_process.hpp"

#include "http/client.hpp"
#include "invariants.hpp"
#include "temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

#include <fstream>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

using namespace mart::test;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void sql(const std::filesystem::path& db, const std::string& statements) {
  SQLite::Database c(db.string(), SQLite::OPEN_READWRITE);
  c.exec(statements);
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE(
      "[e2e] backup of a running mart under order load; restore, check, and the flow goes "
      "on") {
    TempDir dir;
    auto data = dir.path() / "data";
    auto saved = dir.path() / "backup";
    ServerProcess server(data, {"--payments-simulated-latency-ms", "2"}, admin_env());
    HttpClient client(server.port());
    auto admin = admin_headers(client);
    auto shop = open_shop(client, admin, 3, 4, 100000);

    std::pair<int, std::string> backup;
    std::vector<std::int64_t> acknowledged;
    {
      Shoppers shoppers(shop, server.port(), 7);
      std::this_thread::sleep_for(std::chrono::milliseconds(800));
      auto before = shoppers.acknowledged().size();
      backup = run_mart({"backup", "--to", saved.string(), "--data-dir", data.string()});
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      shoppers.stop();
      acknowledged = shoppers.acknowledged();
      CHECK(acknowledged.size() > before);  // orders went on being placed around the backup
    }
    INFO(backup.second);
    REQUIRE(backup.first == 0);
    CHECK(contains(backup.second, "write pause"));
    REQUIRE(acknowledged.size() > 10);

    check_flow_invariants(client, admin, shop, acknowledged);
    // On the running mart, read-only: every invariant holds once the flow is quiet.
    auto checked = run_mart({"check", "--data-dir", data.string()});
    INFO(checked.second);
    CHECK(checked.first == 0);
    CHECK(contains(checked.second, "ok: 9 invariants hold"));
    auto as_json = run_mart({"check", "--data-dir", data.string(), "--json"});
    REQUIRE(as_json.first == 0);
    auto report = boost::json::parse(as_json.second).as_object();
    CHECK(report.at("ok").as_bool());
    CHECK(report.at("checked").as_array().size() == 9);
    CHECK(report.at("breaches").as_array().empty());
    CHECK(report.at("counts").at("orders").as_int64() >=
          static_cast<std::int64_t>(acknowledged.size()));
    CHECK(server.terminate() == 0);

    std::ifstream manifest_file(saved / "manifest.json");
    std::string manifest_text((std::istreambuf_iterator<char>(manifest_file)), {});
    auto manifest = boost::json::parse(manifest_text).as_object();
    CHECK(manifest.at("format").as_int64() == 1);
    CHECK(manifest.at("modules").as_array().size() == 6);
    CHECK(manifest.at("write_pause_ms").is_int64());

    auto restored = dir.path() / "restored";
    auto restore = run_mart({"restore", "--from", saved.string(), "--data-dir", restored.string()});
    INFO(restore.second);
    REQUIRE(restore.first == 0);
    auto recheck = run_mart({"check", "--data-dir", restored.string()});
    INFO(recheck.second);
    CHECK(recheck.first == 0);

    SUBCASE("a restore into a data dir that holds module databases is refused") {
      auto again = run_mart({"restore", "--from", saved.string(), "--data-dir", data.string()});
      CHECK(again.first == 2);
      CHECK(contains(again.second, "already holds"));
    }
    SUBCASE(
        "mart runs on the restored data: orders in flight at the backup finish, a new one "
        "completes") {
      ServerProcess resumed(restored, {}, admin_env());
      HttpClient client2(resumed.port());
      auto admin2 = admin_headers(client2);
      // The customers' tokens from before the backup still sign in: jwt_secret came with it.
      auto placed =
          client2.post("/api/v1/orders", order_body(shop.products[0], 1), shop.customers[0]);
      REQUIRE(placed.status == 201);
      auto order =
          wait_for_status(client2, admin2, placed.json().at("id").as_int64(), {"confirmed"});
      CHECK(order.at("status") == "confirmed");
      auto listed = client2.get("/api/v1/orders?limit=100", admin2).json();
      for (const auto& o : listed.at("items").as_array()) {
        wait_for_status(client2, admin2, o.at("id").as_int64(), {"confirmed", "cancelled"});
      }
      auto after = run_mart({"check", "--data-dir", restored.string()});
      INFO(after.second);
      CHECK(after.first == 0);
      CHECK(resumed.terminate() == 0);
    }
  }

  TEST_CASE("[e2e] mart check exits 1 and names each breach") {
    TempDir dir;
    std::int64_t order_id = 0;
    {
      ServerProcess server(dir.path(), {}, admin_env());
      HttpClient client(server.port());
      auto admin = admin_headers(client);
      auto shop = open_shop(client, admin, 1, 1, 10);
      auto placed =
          client.post("/api/v1/orders", order_body(shop.products[0], 2), shop.customers[0]);
      REQUIRE(placed.status == 201);
      order_id = placed.json().at("id").as_int64();
      wait_for_status(client, admin, order_id, {"confirmed"});
      CHECK(server.terminate() == 0);
    }
    auto clean = run_mart({"check", "--data-dir", dir.path().string()});
    INFO(clean.second);
    CHECK(clean.first == 0);

    sql(dir.path() / "payments.db", "DELETE FROM payments");
    auto broken = run_mart({"check", "--data-dir", dir.path().string()});
    INFO(broken.second);
    CHECK(broken.first == 1);
    CHECK(contains(broken.second, "BREACH confirmed_order_paid: order " + std::to_string(order_id) +
                                      ": confirmed with total "));
    auto as_json = run_mart({"check", "--data-dir", dir.path().string(), "--json"});
    CHECK(as_json.first == 1);
    auto report = boost::json::parse(as_json.second).as_object();
    CHECK(!report.at("ok").as_bool());
    const auto& breach = report.at("breaches").as_array().at(0).as_object();
    CHECK(breach.at("invariant") == "confirmed_order_paid");
    CHECK(breach.at("module") == "payments");
    CHECK(breach.at("subject").as_string() == ("order " + std::to_string(order_id)).c_str());

    auto bad_flag = run_mart({"check", "--data-dir", dir.path().string(), "--stuck-after", "x"});
    CHECK(bad_flag.first == 2);
  }

  TEST_CASE("[e2e] a corrupted or half-written backup is refused; a backup never overwrites") {
    TempDir dir;
    auto data = dir.path() / "data";
    {
      ServerProcess server(data, {}, admin_env());
      CHECK(server.terminate() == 0);
    }
    auto saved = dir.path() / "backup";
    REQUIRE(run_mart({"backup", "--to", saved.string(), "--data-dir", data.string()}).first == 0);
    // Only the backup itself is left next to it: the temporary directory was renamed.
    std::vector<std::string> siblings;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
      siblings.push_back(e.path().filename().string());
    }
    std::sort(siblings.begin(), siblings.end());
    CHECK(siblings == std::vector<std::string>{"backup", "data"});

    auto existing = run_mart({"backup", "--to", saved.string(), "--data-dir", data.string()});
    CHECK(existing.first == 2);

    SUBCASE("corrupted: refused by its checksum, nothing copied") {
      {
        std::fstream f(saved / "orders.db", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(3000);
        f.put('\x7f');
      }
      auto target = dir.path() / "target";
      auto refused = run_mart({"restore", "--from", saved.string(), "--data-dir", target.string()});
      INFO(refused.second);
      CHECK(refused.first == 1);
      CHECK(contains(refused.second, "orders.db does not match its sha256"));
      CHECK(!std::filesystem::exists(target / "orders.db"));
    }
    SUBCASE("half-written (what an interrupted backup leaves): never taken for a backup") {
      auto partial = dir.path() / ".half.partial.1234";
      std::filesystem::create_directory(partial);
      for (const auto& e : std::filesystem::directory_iterator(saved)) {
        if (e.path().filename() != "manifest.json") {
          std::filesystem::copy_file(e.path(), partial / e.path().filename());
        }
      }
      auto target = dir.path() / "target";
      auto refused =
          run_mart({"restore", "--from", partial.string(), "--data-dir", target.string()});
      INFO(refused.second);
      CHECK(refused.first == 1);
      CHECK(contains(refused.second, "not a whole backup"));
      CHECK(!std::filesystem::exists(target / "orders.db"));
    }
  }

  TEST_CASE(
      "[e2e] a backup killed half-way leaves no DIR, only a hidden partial directory that "
      "restore refuses") {
    TempDir dir;
    auto data = dir.path() / "data";
    {
      ServerProcess server(data, {}, admin_env());
      CHECK(server.terminate() == 0);
    }
    // 300 MB more in one database, so that the copy takes long enough to be interrupted.
    sql(data / "products.db",
        "CREATE TABLE padding AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        "WHERE i < 75000) SELECT randomblob(4000) AS b FROM n");
    auto saved = dir.path() / "backup";
    std::vector<std::string> words{MART_BINARY,    "backup",     "--to",
                                   saved.string(), "--data-dir", data.string()};
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    REQUIRE(posix_spawn(&pid, MART_BINARY, nullptr, nullptr, argv.data(), environ) == 0);
    // Until the temporary directory holds the first database being copied, then SIGKILL.
    auto partial_dir = [&]() -> std::optional<std::filesystem::path> {
      for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        if (e.path().filename().string().starts_with(".backup.partial.")) return e.path();
      }
      return std::nullopt;
    };
    bool seen = eventually([&] { return partial_dir().has_value(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(seen);
    REQUIRE(WIFSIGNALED(status));  // killed before it finished
    CHECK(!std::filesystem::exists(saved));
    auto partial = partial_dir();
    REQUIRE(partial);
    CHECK(!std::filesystem::exists(*partial / "manifest.json"));

    auto refused = run_mart(
        {"restore", "--from", partial->string(), "--data-dir", (dir.path() / "target").string()});
    CHECK(refused.first == 1);
    CHECK(!std::filesystem::exists(dir.path() / "target" / "products.db"));
    // A new backup to the same name is not hindered by the leftover.
    auto again = run_mart({"backup", "--to", saved.string(), "--data-dir", data.string()}, {});
    INFO(again.second);
    CHECK(again.first == 0);
    CHECK(std::filesystem::exists(saved / "manifest.json"));
  }
}
