// End-to-end: the real binary over real HTTP, with real SQLite files in a temporary directory.

#include "server_process.hpp"

#include "api_helpers.hpp"
#include "http/check_problem.hpp"
#include "http/client.hpp"
#include "temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>

#include <thread>

using mart::test::admin_env;
using mart::test::check_problem;
using mart::test::HeaderList;
using mart::test::HttpClient;
using mart::test::ServerProcess;
using mart::test::TempDir;

namespace {

std::int64_t create_product(HttpClient& client, const HeaderList& admin, const std::string& name,
                            int price = 100) {
  auto r = client.post("/api/v1/products",
                       R"({"name":")" + name + R"(","price_cents":)" + std::to_string(price) + "}",
                       admin);
  REQUIRE(r.status == 201);
  return r.json().at("id").as_int64();
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] products: create, read, update, list, search, delete over HTTP") {
    TempDir dir;
    ServerProcess server(dir.path(), {}, admin_env());
    HttpClient client(server.port());
    auto admin = mart::test::admin_headers(client);

    auto created = client.post("/api/v1/products",
                               R"({"name":"Green tea","description":"Sencha","price_cents":450,)"
                               R"("sku":"TEA-1","unknown_field":true})",
                               admin);
    REQUIRE(created.status == 201);
    auto product = created.json();
    auto id = product.at("id").as_int64();
    CHECK(created.header("location") == "/api/v1/products/" + std::to_string(id));
    CHECK(product.at("currency") == "USD");
    CHECK(product.at("in_stock") == false);
    CHECK(product.at("sku") == "TEA-1");
    CHECK(product.as_object().contains("created_at"));

    auto fetched = client.get("/api/v1/products/" + std::to_string(id));
    CHECK(fetched.status == 200);
    CHECK(fetched.json().at("name") == "Green tea");

    auto patched =
        client.patch("/api/v1/products/" + std::to_string(id), R"({"price_cents":500})", admin);
    CHECK(patched.status == 200);
    CHECK(patched.json().at("price_cents") == 500);
    CHECK(patched.json().at("name") == "Green tea");

    create_product(client, admin, "Black tea");
    create_product(client, admin, "Coffee");
    auto search = client.get("/api/v1/products?q=tea");
    CHECK(search.status == 200);
    CHECK(search.json().at("items").as_array().size() == 2);

    auto page1 = client.get("/api/v1/products?limit=2");
    auto cursor = page1.json().at("next_cursor");
    REQUIRE(cursor.is_string());
    auto page2 = client.get("/api/v1/products?limit=2&cursor=" + std::string(cursor.as_string()));
    CHECK(page2.json().at("items").as_array().size() == 1);
    CHECK(page2.json().at("next_cursor").is_null());

    CHECK(client.del("/api/v1/products/" + std::to_string(id), admin).status == 204);
    check_problem(client.get("/api/v1/products/" + std::to_string(id)), 404);
    CHECK(server.terminate() == 0);
  }

  TEST_CASE("[e2e] products: anyone reads, only admins change the catalogue") {
    TempDir dir;
    ServerProcess server(dir.path(), {}, admin_env());
    HttpClient client(server.port());
    auto admin = mart::test::admin_headers(client);
    auto customer = mart::test::customer_headers(client, "shopper@mart.test");
    auto id = create_product(client, admin, "Tea");
    auto item = "/api/v1/products/" + std::to_string(id);
    const std::string body = R"({"name":"Tea","price_cents":1})";

    check_problem(client.post("/api/v1/products", body), 401);
    check_problem(client.post("/api/v1/products", body, customer), 403);
    check_problem(client.patch(item, body), 401);
    check_problem(client.patch(item, body, customer), 403);
    check_problem(client.del(item, customer), 403);
    CHECK(client.get(item).status == 200);
    CHECK(client.get(item, customer).status == 200);
    CHECK(client.get("/api/v1/products").status == 200);
    CHECK(client.post("/api/v1/products", body, admin).status == 201);
  }

  TEST_CASE("[e2e] malformed requests get clear 4xx problems and never a 5xx") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--http-body-limit", "4096"}, admin_env());
    HttpClient client(server.port());
    auto admin = mart::test::admin_headers(client);
    auto id = create_product(client, admin, "Tea");
    auto item = "/api/v1/products/" + std::to_string(id);

    check_problem(client.post("/api/v1/products", "{\"name\": ", admin), 400);
    check_problem(client.post("/api/v1/products", "not json at all", admin), 400);
    auto as_text = admin;
    as_text.emplace_back("Content-Type", "text/plain");
    check_problem(client.post("/api/v1/products", R"({"name":"x","price_cents":1})", as_text), 415);
    check_problem(client.post("/api/v1/products", "[1,2,3]", admin), 422);
    auto wrong_types =
        client.post("/api/v1/products", R"({"name":42,"price_cents":"cheap"})", admin);
    check_problem(wrong_types, 422);
    CHECK(wrong_types.json().at("errors").as_object().contains("name"));
    CHECK(wrong_types.json().at("errors").as_object().contains("price_cents"));
    check_problem(client.post("/api/v1/products", R"({"name":"","price_cents":1})", admin), 422);
    check_problem(client.post("/api/v1/products", R"({"name":"x","price_cents":-1})", admin), 422);
    check_problem(client.post("/api/v1/products", R"({"name":"x","price_cents":1.5})", admin), 422);
    check_problem(client.post("/api/v1/products", R"({"name":"x","price_cents":1e400})", admin),
                  422);
    check_problem(client.patch(item, R"({"currency":"dollars"})", admin), 422);
    check_problem(client.post("/api/v1/products", std::string(8192, ' ') + "{}", admin), 413);
    check_problem(client.get("/api/v1/products/abc"), 404);
    check_problem(client.get("/api/v1/products/-1"), 404);
    check_problem(client.get("/api/v1/products/99999999999999999999999"), 404);
    check_problem(client.get("/api/v1/nothing-here"), 404);
    auto wrong_method = client.request("PUT", item, "{}", admin);
    check_problem(wrong_method, 405);
    CHECK(!wrong_method.header("allow").empty());
    check_problem(client.get("/api/v1/products?limit=0"), 422);
    check_problem(client.get("/api/v1/products?limit=abc"), 422);
    check_problem(client.get("/api/v1/products?cursor=%00%ff"), 400);
    CHECK(client.get("/api/v1/products?q=%22%28%2A").status == 200);  // FTS syntax is just text

    // Bytes that are not HTTP at all, and a percent-encoding that is broken.
    auto garbage = mart::test::send_raw(server.port(), "\x16\x03\x01\x02\x00 hello\r\n\r\n",
                                        std::chrono::milliseconds(2000));
    CHECK(garbage.rfind("HTTP/1.1 400", 0) == 0);
    auto bad_target = mart::test::send_raw(
        server.port(), "GET /api/v1/products/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        std::chrono::milliseconds(2000));
    CHECK(bad_target.rfind("HTTP/1.1 4", 0) == 0);

    // The server is still healthy after all of that.
    HttpClient fresh(server.port());
    CHECK(fresh.get("/healthz").status == 200);
    CHECK(fresh.get(item).status == 200);
    CHECK(server.terminate() == 0);
  }

  TEST_CASE("[e2e] a client that sends half a request does not delay others") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--http-read-timeout-ms", "1000", "--io-threads", "1"},
                         admin_env());
    std::thread slow([&] {
      mart::test::send_raw(server.port(), "POST /api/v1/products HTTP/1.1\r\nHost: x\r\nContent-Le",
                           std::chrono::milliseconds(3000));
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    HttpClient client(server.port());
    auto start = std::chrono::steady_clock::now();
    CHECK(client.get("/healthz").status == 200);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(500));
    slow.join();  // the server closed it after the read timeout
    CHECK(server.terminate() == 0);
  }

  TEST_CASE("[e2e] X-Request-Id is echoed, or generated") {
    TempDir dir;
    ServerProcess server(dir.path(), {}, admin_env());
    HttpClient client(server.port());
    CHECK(client.get("/healthz", {{"X-Request-Id", "abc-123"}}).header("x-request-id") ==
          "abc-123");
    CHECK(!client.get("/healthz").header("x-request-id").empty());
    CHECK(!client.get("/nope").header("x-request-id").empty());
  }

  TEST_CASE("[e2e] data survives a restart, and a kill -9") {
    TempDir dir;
    std::int64_t id = 0;
    {
      ServerProcess server(dir.path(), {}, admin_env());
      HttpClient client(server.port());
      auto admin = mart::test::admin_headers(client);
      id = create_product(client, admin, "Durable tea");
      CHECK(server.terminate() == 0);
    }
    std::int64_t second = 0;
    {
      ServerProcess server(dir.path(), {}, admin_env());
      HttpClient client(server.port());
      auto admin = mart::test::admin_headers(client);
      CHECK(client.get("/api/v1/products/" + std::to_string(id)).json().at("name") ==
            "Durable tea");
      second = create_product(client, admin, "Acknowledged then killed");
      server.kill9();
    }
    ServerProcess server(dir.path(), {}, admin_env());
    HttpClient client(server.port());
    CHECK(client.get("/api/v1/products/" + std::to_string(second)).status == 200);
    auto ready = client.get("/readyz");
    CHECK(ready.status == 200);
  }

  TEST_CASE("[e2e] configuration: --help, --version, bad values stop start-up with status 2") {
    auto [help_status, help] = mart::test::run_mart({"--help"});
    CHECK(help_status == 0);
    CHECK(help.find("--data-dir") != std::string::npos);
    CHECK(help.find("MART_PORT") != std::string::npos);
    auto [version_status, version] = mart::test::run_mart({"--version"});
    CHECK(version_status == 0);
    CHECK(version.rfind("mart ", 0) == 0);

    auto [bad_port, bad_port_text] = mart::test::run_mart({"--port", "http"});
    CHECK(bad_port == 2);
    CHECK(bad_port_text.find("port") != std::string::npos);
    auto [unknown, unknown_text] = mart::test::run_mart({"--colour", "red"});
    CHECK(unknown == 2);
    CHECK(unknown_text.find("--colour") != std::string::npos);
    auto [bad_env, bad_env_text] = mart::test::run_mart({}, {{"MART_IO_THREADS", "0"}});
    CHECK(bad_env == 2);
    CHECK(bad_env_text.find("MART_IO_THREADS") != std::string::npos);
    auto [bad_module, bad_module_text] = mart::test::run_mart({"--modules", "warehouse"});
    CHECK(bad_module == 2);
    CHECK(bad_module_text.find("warehouse") != std::string::npos);
  }

  TEST_CASE("[e2e] environment configures the server; flags win over it") {
    TempDir dir;
    ServerProcess server(dir.path(), {}, {{"MART_LOG_LEVEL", "warn"}, {"MART_PORT", "1"}});
    HttpClient client(server.port());  // --port from the harness won over MART_PORT=1
    CHECK(client.get("/healthz").status == 200);
    CHECK(server.terminate() == 0);
    CHECK(server.output().find("listening") == std::string::npos);  // info lines suppressed
  }

  TEST_CASE("[e2e] an edited migration stops start-up with a clear message") {
    TempDir dir;
    {
      ServerProcess server(dir.path(), {}, admin_env());
      CHECK(server.terminate() == 0);
    }
    {
      SQLite::Database db((dir.path() / "products.db").string(), SQLite::OPEN_READWRITE);
      db.exec("UPDATE schema_migrations SET checksum = 'edited' WHERE scope = 'products'");
    }
    auto [status, text] = mart::test::run_mart({"--data-dir", dir.path().string(), "--port", "0"});
    CHECK(status == 1);
    CHECK(text.find("was edited after it was applied") != std::string::npos);
  }
}
