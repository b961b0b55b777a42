// A full disk for real: the test puts the data directory on a small tmpfs of its own (a private
// mount namespace, so nothing outside the test sees it), fills the file system with a file, and
// checks what a customer and an operator see: orders answered 503 with Retry-After, reads
// working, /readyz naming the cause; then frees the space and sees the same process take orders
// again, with every order it acknowledged confirmed and nothing dead-lettered.

#include "server_process.hpp"

#include "flow_helpers.hpp"
#include "http/client.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <vector>

using namespace mart::test;

namespace {

void write_file(const char* path, const std::string& text) {
  std::ofstream(path) << text;
}

// Mounts a tmpfs of `megabytes` on `dir` in a mount namespace of this process's own (the server
// it starts inherits it). As root a new mount namespace is enough; otherwise a user namespace
// maps this user to root first. False when the system allows neither (the test then cannot run).
bool mount_small_tmpfs(const std::filesystem::path& dir, int megabytes) {
  if (::unshare(CLONE_NEWNS) != 0) {
    auto uid = ::getuid();
    auto gid = ::getgid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return false;
    write_file("/proc/self/setgroups", "deny");
    write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1");
    write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1");
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return false;
  auto options = "size=" + std::to_string(megabytes) + "m,mode=0700";
  return ::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0;
}

// Writes `file` until the file system has no byte left.
void fill_file_system(const std::filesystem::path& file) {
  std::FILE* out = std::fopen(file.c_str(), "wb");
  REQUIRE(out);
  std::vector<char> block(64 * 1024, 'x');
  while (std::fwrite(block.data(), 1, block.size(), out) == block.size()) {
  }
  std::vector<char> bytes(1, 'x');  // the last partial block
  while (std::fwrite(bytes.data(), 1, 1, out) == 1 && std::fflush(out) == 0) {
  }
  std::fclose(out);
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] disk full: orders answer 503, reads work, readyz names it, space returns") {
    TempDir scratch;
    auto data = scratch.path() / "data";
    std::filesystem::create_directories(data);
    if (!mount_small_tmpfs(data, 24)) {
      MESSAGE("skipped: this system allows no private tmpfs mount (needs root or user namespaces)");
      return;
    }
    struct Unmount {
      std::filesystem::path dir;
      ~Unmount() { ::umount2(dir.c_str(), MNT_DETACH); }
    } unmount{data};

    std::vector<std::int64_t> acknowledged;
    {
      ServerProcess server(data, {}, admin_env());
      HttpClient client(server.port());
      auto admin = admin_headers(client);
      auto customer = customer_headers(client, "full@example.com");
      auto product = create_stocked_product(client, admin, "Tea", 300, 100000);
      auto first = client.post("/api/v1/orders", order_body(product, 1), customer);
      REQUIRE(first.status == 201);
      acknowledged.push_back(first.json().at("id").as_int64());

      fill_file_system(data / "filler");
      // Writes go on while the files' own free space lasts; then the disk is full. A refusal is
      // not final: once a checkpoint has copied the whole WAL into the database file, the next
      // write starts the WAL again from its beginning, in space the file already has, and takes
      // orders until that is used up. So the test posts until a refusal that readiness names too,
      // keeping every order acknowledged on the way.
      HttpResponse refused;
      bool refused_and_named = false;
      for (int i = 0; i < 5000 && !refused_and_named; ++i) {
        auto r = client.post("/api/v1/orders", order_body(product, 1), customer);
        if (r.status == 201) {
          acknowledged.push_back(r.json().at("id").as_int64());
          continue;
        }
        refused = r;
        REQUIRE(refused.status == 503);
        auto ready = client.get("/readyz");
        // Readiness may be 503 for another module's storage while orders' took a write again.
        refused_and_named =
            ready.status == 503 && ready.json().at("checks").at("storage_orders") == "disk_full";
      }
      REQUIRE(refused_and_named);
      CHECK(refused.header("Content-Type") == "application/problem+json");
      CHECK(std::stoi(refused.header("Retry-After")) > 0);
      auto problem = refused.json();
      CHECK(problem.at("type") == "urn:mart:problem:storage-unavailable");
      CHECK(problem.at("module") == "orders");
      CHECK(problem.at("cause") == "disk_full");

      // Reads keep working.
      auto order = client.get("/api/v1/orders/" + std::to_string(acknowledged.front()), customer);
      CHECK(order.status == 200);
      CHECK(client.get("/api/v1/products/" + std::to_string(product)).status == 200);

      std::filesystem::remove(data / "filler");  // space returns; nobody restarts mart
      HttpResponse placed;
      CHECK(eventually([&] {
        placed = client.post("/api/v1/orders", order_body(product, 1), customer);
        return placed.status == 201;
      }));
      REQUIRE(placed.status == 201);
      acknowledged.push_back(placed.json().at("id").as_int64());
      for (auto id : acknowledged) {
        CAPTURE(id);
        CHECK(wait_for_status(client, admin, id, {"confirmed"}).at("status") == "confirmed");
      }
      CHECK(eventually([&] { return client.get("/readyz").status == 200; }));
      auto dead = client.get("/api/v1/admin/dead-letters", admin).json();
      CHECK(dead.at("items").as_array().empty());
      CHECK(server.terminate() == 0);
      CHECK(server.output().find("storage unavailable (disk_full)") != std::string::npos);
    }
  }
}
