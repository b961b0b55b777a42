// `mart seed-demo` end to end: seed a temporary data directory, serve it, sign in with the printed
// credentials and order a seeded product; seeding again refuses and changes nothing.

#include "server_process.hpp"

#include "flow_helpers.hpp"
#include "http/client.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

using namespace mart::test;

namespace {

const std::string kRefusal = "already has data; seed-demo only fills an empty data directory";

std::vector<std::string> seed_args(const TempDir& dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"seed-demo", "--data-dir", dir.path().string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// The word after "password: " on the printed line that names `email`; "" when there is none.
std::string password_of(const std::string& output, const std::string& email) {
  std::smatch match;
  std::regex line("  \\w+ +" + std::regex_replace(email, std::regex("\\."), "\\.") +
                  " +password: (\\S+)\n");
  return std::regex_search(output, match, line) ? match[1].str() : "";
}

// The product the printed order command orders.
std::int64_t ordered_product(const std::string& output) {
  std::smatch match;
  REQUIRE(std::regex_search(output, match, std::regex("\"product_id\":(\\d+)")));
  return std::stoll(match[1].str());
}

// Every file of the directory: name -> size, modification time and contents.
std::map<std::string, std::string> snapshot(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream contents;
    contents << in.rdbuf();
    files[entry.path().filename().string()] =
        std::to_string(entry.file_size()) + " " +
        std::to_string(entry.last_write_time().time_since_epoch().count()) + " " +
        std::to_string(std::hash<std::string>{}(contents.str()));
  }
  return files;
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE(
      "[e2e] seed-demo: the printed credentials sign in and the first product can be ordered") {
    TempDir dir;
    auto seeded = run_mart(seed_args(dir, {"--port", "18123"}));
    const int status = seeded.first;
    const std::string& output = seeded.second;
    REQUIRE_MESSAGE(status == 0, output);
    auto admin_password = password_of(output, "admin@mart.local");
    auto customer_password = password_of(output, "customer@mart.local");
    REQUIRE_MESSAGE(admin_password.size() >= 16, output);
    REQUIRE_MESSAGE(customer_password.size() >= 16, output);
    CHECK(admin_password != customer_password);
    CHECK(output.find("curl -s -X POST http://127.0.0.1:18123/api/v1/auth/login") !=
          std::string::npos);
    CHECK(output.find("curl -s -X POST http://127.0.0.1:18123/api/v1/orders") != std::string::npos);
    CHECK(output.find("\"password\":\"" + customer_password + "\"") != std::string::npos);
    auto product = ordered_product(output);

    // Seeding again refuses, and --if-empty is silent; neither changes a file.
    {
      auto before = snapshot(dir.path());
      auto [again, again_output] = run_mart(seed_args(dir));
      CHECK(again == 1);
      CHECK(again_output.find(kRefusal) != std::string::npos);
      CHECK(again_output.find("password") == std::string::npos);
      auto [quiet, quiet_output] = run_mart(seed_args(dir, {"--if-empty"}));
      CHECK(quiet == 0);
      CHECK(quiet_output.empty());
      CHECK(snapshot(dir.path()) == before);
    }

    ServerProcess server(dir.path());
    HttpClient client(server.port());
    auto catalogue = client.get("/api/v1/products?limit=100").json().at("items").as_array();
    CHECK(catalogue.size() == 12);
    auto in_stock = std::count_if(catalogue.begin(), catalogue.end(), [](const auto& p) {
      return p.at("in_stock") == true && !p.at("sku").is_null() &&
             !p.at("description").as_string().empty();
    });
    CHECK(in_stock == 11);
    auto stock = stock_of(client, product);
    CHECK(stock.at("available") == 40);

    auto admin = bearer(login(client, "admin@mart.local", admin_password));
    auto users = client.get("/api/v1/users", admin).json().at("items").as_array();
    REQUIRE(users.size() == 2);
    CHECK(client.get("/api/v1/users/me", admin).json().at("role") == "admin");

    auto customer = bearer(login(client, "customer@mart.local", customer_password));
    CHECK(client.get("/api/v1/users/me", customer).json().at("role") == "customer");
    auto placed = client.post("/api/v1/orders", order_body(product, 1), customer);
    REQUIRE(placed.status == 201);
    auto order =
        wait_for_status(client, customer, placed.json().at("id").as_int64(), {"confirmed"});
    CHECK(order.at("status") == "confirmed");
    CHECK(order.at("total_cents") == 2450);
    CHECK(eventually([&] { return stock_of(client, product).at("sold") == 1; }));
    CHECK(stock_of(client, product).at("available") == 39);
  }

  TEST_CASE("[e2e] seed-demo: MART_ADMIN_EMAIL and MART_ADMIN_PASSWORD name the admin") {
    TempDir dir;
    auto seeded = run_mart(seed_args(dir), {{"MART_ADMIN_EMAIL", kAdminEmail},
                                            {"MART_ADMIN_PASSWORD", kAdminPassword}});
    const int status = seeded.first;
    const std::string& output = seeded.second;
    REQUIRE_MESSAGE(status == 0, output);
    CHECK(output.find(kAdminEmail) != std::string::npos);
    CHECK(output.find(kAdminPassword) == std::string::npos);  // a configured secret is not echoed
    CHECK(password_of(output, "admin@mart.local").empty());
    ServerProcess server(dir.path());
    HttpClient client(server.port());
    auto admin = admin_headers(client);
    CHECK(client.get("/api/v1/users/me", admin).json().at("role") == "admin");
  }

  TEST_CASE("[e2e] seed-demo: a data directory with an account is refused, untouched") {
    TempDir dir;
    auto created_run =
        run_mart({"users", "create-admin", "ops@mart.test", "--data-dir", dir.path().string()},
                 {{"MART_ADMIN_PASSWORD", "ops-password-1"}});
    const int created = created_run.first;
    const std::string& created_output = created_run.second;
    REQUIRE_MESSAGE(created == 0, created_output);
    auto before = snapshot(dir.path());
    auto [again, again_output] = run_mart(seed_args(dir));
    CHECK(again == 1);
    CHECK(again_output.find(kRefusal) != std::string::npos);
    auto [quiet, quiet_output] = run_mart(seed_args(dir, {"--if-empty"}));
    CHECK(quiet == 0);
    CHECK(quiet_output.empty());
    CHECK(snapshot(dir.path()) == before);
  }

  TEST_CASE("[e2e] seed-demo: refuses, with exit status 2, unless every module is hosted here") {
    TempDir dir;
    auto [status, output] = run_mart(seed_args(dir, {"--modules", "products,inventory,users"}));
    CHECK(status == 2);
    CHECK(output.find("every module") != std::string::npos);
    CHECK(output.find("orders, payments, notifications") != std::string::npos);
    CHECK(std::filesystem::is_empty(dir.path()));
  }
}
