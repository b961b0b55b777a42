// What the real binary leaves on disk and says at start-up about its secrets: a new data
// directory and its files are private to their owner whatever the umask, a readable signing
// secret is warned about, and a bad secret is never echoed.

#include "server_process.hpp"

#include "temp_dir.hpp"
#include "text.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

using namespace mart::test;

namespace {

mode_t mode_of(const std::filesystem::path& path) {
  struct stat info {};
  REQUIRE_MESSAGE(::stat(path.c_str(), &info) == 0, path.string());
  return info.st_mode & 0777;
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] files: a new data directory is 0700 and every file in it 0600") {
    TempDir root;
    auto data = root.path() / "fresh";
    auto previous = ::umask(022);  // children inherit it: files would be world-readable
    {
      ServerProcess server(data);
      CHECK(server.terminate() == 0);
    }
    ::umask(previous);
    CHECK(mode_of(data) == 0700);
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(data)) {
      if (!entry.is_regular_file()) continue;
      ++files;
      CHECK_MESSAGE(mode_of(entry.path()) == 0600, entry.path().filename().string());
    }
    CHECK(files >= 7);  // six databases and jwt_secret (plus WAL files)
  }

  TEST_CASE("[e2e] files: a jwt_secret readable by others is warned about at start-up") {
    TempDir dir;
    {
      std::ofstream secret(dir.path() / "jwt_secret");
      secret << "0123456789abcdef0123456789abcdef0123456789abcdef\n";
    }
    std::filesystem::permissions(
        dir.path() / "jwt_secret",
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
            std::filesystem::perms::group_read | std::filesystem::perms::others_read,
        std::filesystem::perm_options::replace);
    ServerProcess server(dir.path());
    CHECK(contains(server.output(), "can be read by other users"));
  }

  TEST_CASE("[e2e] files: a too-short secret stops start-up without being echoed") {
    const std::string secret = "short-but-secret-Xq7";
    TempDir dir;
    const std::vector<std::string> where = {"--data-dir", dir.path().string(), "--port", "0"};
    auto with = [&](std::vector<std::string> args) {
      args.insert(args.end(), where.begin(), where.end());
      return args;
    };
    auto [status, output] = run_mart(with({"--jwt-secret", secret}));
    CHECK(status == 2);
    CHECK(contains(output, "jwt_secret"));
    CHECK_FALSE(contains(output, secret));
    auto [env_status, env_output] = run_mart(with({}), {{"MART_JWT_SECRET", secret}});
    CHECK(env_status == 2);
    CHECK_FALSE(contains(env_output, secret));
    auto [admin_status, admin_output] =
        run_mart(with({"--admin-email", "a@b.example", "--admin-password", "shrt9"}));
    CHECK(admin_status == 2);
    CHECK(contains(admin_output, "admin"));
    CHECK_FALSE(contains(admin_output, "shrt9"));
  }
}
