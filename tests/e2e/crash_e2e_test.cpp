// kill -9 the server again and again while customers place and cancel orders, restart it on the
// same data each time, and check the invariants of design.md once the flow is quiet.

#include "server_process.hpp"

#include "http/client.hpp"
#include "invariants.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

using namespace mart::test;

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] crash: kill -9 during the flow, restart, and no order, unit or cent is lost") {
    TempDir dir;
    Shop shop;
    HeaderList admin;
    {
      ServerProcess server(dir.path(), {}, admin_env());
      HttpClient client(server.port());
      admin = admin_headers(client);
      shop = open_shop(client, admin, 3, 4, 40);
      CHECK(server.terminate() == 0);
    }

    std::vector<std::int64_t> acknowledged;
    for (unsigned round = 0; round < 3; ++round) {
      CAPTURE(round);
      ServerProcess server(dir.path(), {"--payments-simulated-latency-ms", "2"}, admin_env());
      Shoppers shoppers(shop, server.port(), round);
      std::this_thread::sleep_for(std::chrono::milliseconds(700 + 300 * round));
      server.kill9();
      shoppers.stop();
      auto placed = shoppers.acknowledged();
      acknowledged.insert(acknowledged.end(), placed.begin(), placed.end());
    }
    REQUIRE(acknowledged.size() > 20);

    ServerProcess server(dir.path(), {}, admin_env());
    HttpClient client(server.port());
    check_flow_invariants(client, admin, shop, acknowledged);
    auto dead = client.get("/api/v1/admin/dead-letters", admin).json();
    CHECK(dead.at("items").as_array().empty());
    // The invariant checker agrees, on the running mart's databases.
    auto checked = run_mart({"check", "--data-dir", dir.path().string()});
    INFO(checked.second);
    CHECK(checked.first == 0);
  }
}
