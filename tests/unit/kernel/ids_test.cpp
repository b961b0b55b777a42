#include <kernel/ids.hpp>

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

// What `make` returns in a forked child of this process, read back through a pipe.
template <typename Make>
std::string made_in_forked_child(Make make) {
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  auto child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto made = make();
    auto written = write(pipe_fds[1], made.data(), made.size());
    _exit(written == static_cast<ssize_t>(made.size()) ? 0 : 1);
  }
  close(pipe_fds[1]);
  std::string theirs;
  char buffer[256];
  for (ssize_t got; (got = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) {
    theirs.append(buffer, static_cast<std::size_t>(got));
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  return theirs;
}

}  // namespace

TEST_SUITE("kernel") {
  TEST_CASE("[ids] version-7 UUIDs are well formed and sort by creation time") {
    static const std::regex kUuid7(
        "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    auto first = kernel::time_ordered_uuid();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    auto later = kernel::time_ordered_uuid();
    CHECK(std::regex_match(first, kUuid7));
    CHECK(std::regex_match(later, kUuid7));
    CHECK(first < later);
  }

  TEST_CASE("[ids] unique ids do not repeat across threads") {
    std::set<std::string> seen;
    std::mutex mutex;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        std::vector<std::string> mine;
        for (int i = 0; i < 5000; ++i) {
          mine.push_back(kernel::time_ordered_uuid());
          mine.push_back(kernel::unique_hex_id());
        }
        std::lock_guard lock(mutex);
        seen.insert(mine.begin(), mine.end());
      });
    }
    for (auto& t : threads) t.join();
    CHECK(seen.size() == 4u * 5000u * 2u);
    CHECK(kernel::unique_hex_id().size() == 32);
  }

  TEST_CASE("[ids] a forked child does not repeat its parent's ids") {
    (void)kernel::unique_hex_id();  // the parent's generator is seeded before the fork
    auto theirs = made_in_forked_child([] { return kernel::unique_hex_id(); });
    auto mine = kernel::unique_hex_id();
    REQUIRE(theirs.size() == 32);
    CHECK(mine != theirs);
  }

  TEST_CASE("[ids] nonces do not repeat across threads, nor in a forked child") {
    using Nonce = std::array<unsigned char, 24>;
    std::set<Nonce> seen;
    std::mutex mutex;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        std::vector<Nonce> mine;
        for (int i = 0; i < 5000; ++i) mine.push_back(kernel::unique_nonce());
        std::lock_guard lock(mutex);
        seen.insert(mine.begin(), mine.end());
      });
    }
    for (auto& t : threads) t.join();
    CHECK(seen.size() == 4u * 5000u);

    // A child that went on counting from its parent's state would seal with the parent's next
    // nonce: the same nonce under the same key, which breaks the cipher.
    auto as_text = [](const Nonce& nonce) { return std::string(nonce.begin(), nonce.end()); };
    (void)kernel::unique_nonce();
    auto theirs = made_in_forked_child([&] { return as_text(kernel::unique_nonce()); });
    auto mine = as_text(kernel::unique_nonce());
    REQUIRE(theirs.size() == 24);
    CHECK(mine != theirs);
  }
}
