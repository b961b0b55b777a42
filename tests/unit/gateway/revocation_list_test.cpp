#include "gateway/revocation_list.hpp"

#include <doctest/doctest.h>

TEST_SUITE("gateway") {
  TEST_CASE("[RevocationList] a generation ends the account's older tokens only") {
    mart::gateway::RevocationList list;
    CHECK_FALSE(list.ends(1, 0, "a", 100));
    list.add(1, 2, "", 160, 100);
    CHECK(list.ends(1, 0, "a", 100));
    CHECK(list.ends(1, 1, "", 100));
    CHECK_FALSE(list.ends(1, 2, "a", 100));  // the live generation
    CHECK_FALSE(list.ends(1, 3, "a", 100));
    CHECK_FALSE(list.ends(2, 0, "a", 100));  // another account
  }

  TEST_CASE("[RevocationList] the highest generation wins, whatever the order") {
    mart::gateway::RevocationList list;
    list.add(1, 3, "", 160, 100);
    list.add(1, 1, "", 170, 100);  // older news, arriving late
    CHECK(list.ends(1, 2, "", 100));
    CHECK_FALSE(list.ends(1, 3, "", 100));
  }

  TEST_CASE("[RevocationList] a token id ends that token only") {
    mart::gateway::RevocationList list;
    list.add(1, 0, "gone", 160, 100);
    CHECK(list.ends(1, 0, "gone", 100));
    CHECK_FALSE(list.ends(1, 0, "other", 100));
    CHECK_FALSE(list.ends(1, 0, "", 100));
  }

  TEST_CASE("[RevocationList] entries are forgotten once the tokens they concern expired") {
    mart::gateway::RevocationList list;
    list.add(1, 2, "gone", 160, 100);
    list.add(9, 1, "", 99, 100);  // already past: not kept
    CHECK(list.size() == 2);
    CHECK_FALSE(list.ends(1, 0, "gone", 160));  // past expires_at: nothing to refuse
    list.add(2, 1, "", 300, 161);               // a later add prunes
    CHECK(list.size() == 1);
    CHECK(list.ends(2, 0, "", 200));
  }
}
