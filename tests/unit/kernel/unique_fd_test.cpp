#include "kernel/unique_fd.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

namespace {

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

int open_null() {
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  return fd;
}

}  // namespace

TEST_SUITE("kernel") {
  TEST_CASE("[UniqueFd] closes its descriptor when it goes, and only once when moved") {
    int fd = open_null();
    {
      kernel::UniqueFd owner(fd);
      CHECK(owner);
      CHECK(owner.get() == fd);
      kernel::UniqueFd moved(std::move(owner));
      CHECK_FALSE(owner);  // NOLINT(bugprone-use-after-move): the moved-from state is the point
      CHECK(moved.get() == fd);
      CHECK(is_open(fd));
    }
    CHECK_FALSE(is_open(fd));
  }

  TEST_CASE("[UniqueFd] assigning or resetting closes the descriptor it held") {
    int first = open_null();
    int second = open_null();
    kernel::UniqueFd owner(first);
    owner = kernel::UniqueFd(second);
    CHECK_FALSE(is_open(first));
    CHECK(owner.get() == second);
    owner.reset();
    CHECK_FALSE(is_open(second));
    CHECK_FALSE(owner);
    kernel::UniqueFd none;
    CHECK(none.get() == -1);
    int third = open_null();
    kernel::UniqueFd same(third);
    same.reset(third);  // holding it again does not close it
    CHECK(is_open(third));
  }
}
