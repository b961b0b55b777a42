// Backups and restores in process: whole or refused, never half.

#include "shop_data_dir.hpp"

#include "backup/backup.hpp"
#include "backup/file_io.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace mart::test;
namespace backup = mart::backup;

namespace {

std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_SUITE("check") {
  TEST_CASE("[Backup] backs up every module database with a manifest, and restores it checked") {
    ShopDataDir shop;
    TempDir out;
    auto to = out.path() / "b1";
    auto taken = backup::take_backup(shop.path(), to, {"test"});
    CHECK(taken.manifest.modules.size() == 6);
    CHECK(names_in(out.path()) == std::vector<std::string>{"b1"});  // no temporary left
    for (const auto& m : taken.manifest.modules) {
      CHECK(backup::sha256_of_file(to / m.file) == m.sha256);
      CHECK(std::filesystem::file_size(to / m.file) == m.bytes);
    }
    std::ifstream manifest_file(to / backup::kManifestName);
    std::string text((std::istreambuf_iterator<char>(manifest_file)), {});
    auto manifest = backup::parse_manifest(text);
    CHECK(manifest.mart_version == "test");
    CHECK(manifest.modules.size() == 6);

    auto target = out.path() / "restored";
    auto restored = backup::restore_backup(to, target, {});
    CAPTURE(restored.report.to_text());
    CHECK(restored.report.ok());
    CHECK(restored.report.counts().at("orders") == 3);

    SUBCASE("a second restore into the same directory is refused, and changes nothing") {
      auto before = backup::sha256_of_file(target / "orders.db");
      CHECK_THROWS_AS(backup::restore_backup(to, target, {}), backup::UsageError);
      CHECK(backup::sha256_of_file(target / "orders.db") == before);
    }
    SUBCASE("a backup into an existing directory is refused") {
      CHECK_THROWS_AS(backup::take_backup(shop.path(), to, {"test"}), backup::UsageError);
    }
  }

  TEST_CASE("[Backup] a file that differs from its checksum is refused and nothing is copied") {
    ShopDataDir shop;
    TempDir out;
    auto to = out.path() / "b";
    backup::take_backup(shop.path(), to, {"test"});
    SUBCASE("changed") {
      std::fstream f(to / "payments.db", std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(5000);
      f.put('\x42');
    }
    SUBCASE("missing") {
      std::filesystem::remove(to / "users.db");
    }
    SUBCASE("truncated") {
      std::filesystem::resize_file(to / "orders.db", 4096);
    }
    auto target = out.path() / "restored";
    CHECK_THROWS_AS(backup::restore_backup(to, target, {}), backup::BadBackup);
    CHECK((!std::filesystem::exists(target) || std::filesystem::is_empty(target)));
  }

  TEST_CASE("[Backup] a directory without a manifest is not a backup") {
    ShopDataDir shop;
    TempDir out;
    // What an interrupted backup leaves: files, no manifest.
    auto partial = out.path() / ".b.partial.0123";
    std::filesystem::create_directory(partial);
    std::filesystem::copy_file(shop.file("orders"), partial / "orders.db");
    CHECK_THROWS_AS(backup::restore_backup(partial, out.path() / "restored", {}),
                    backup::BadBackup);
    CHECK(!std::filesystem::exists(out.path() / "restored"));
  }

  TEST_CASE("[Backup] a restore finds a breach the backup holds") {
    ShopDataDir shop;
    shop.sql("payments", "UPDATE payments SET status = 'succeeded' WHERE order_id = 3");
    TempDir out;
    backup::take_backup(shop.path(), out.path() / "b", {"test"});
    auto restored = backup::restore_backup(out.path() / "b", out.path() / "r", {});
    CHECK(!restored.report.ok());
    CHECK(restored.report.breaches().at(0).invariant == "cancelled_order_unpaid");
  }

  TEST_CASE("[Backup] a manifest naming a file outside the backup is refused") {
    CHECK_THROWS_AS(backup::parse_manifest(R"({"format":1,"mart_version":"x","taken_at":"t",)"
                                           R"("write_pause_ms":0,"modules":[{"module":"orders",)"
                                           R"("file":"../orders.db","bytes":1,"sha256":"00"}]})"),
                    backup::BadManifest);
    CHECK_THROWS_AS(backup::parse_manifest("{}"), backup::BadManifest);
  }
}
