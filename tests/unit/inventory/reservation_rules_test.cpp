#include "domain/reservation.hpp"
#include "domain/stock_levels.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <stdexcept>

using inventory::Line;
using inventory::StockLevels;

TEST_SUITE("inventory") {
  TEST_CASE("[Reservation] repeated products are summed, in order of first appearance") {
    auto merged = inventory::merge_lines({{7, 2}, {3, 1}, {7, 5}, {3, 4}, {9, 1}});
    CHECK(merged == std::vector<Line>{{7, 7}, {3, 5}, {9, 1}});
    CHECK(inventory::merge_lines({}).empty());
  }

  TEST_CASE("[Reservation] a line below 1 is never netted away by the product's other lines") {
    CHECK(inventory::merge_lines({{1, 5}, {1, -3}}) == std::vector<Line>{{1, -3}});
    CHECK(inventory::merge_lines({{1, 0}, {1, 4}}) == std::vector<Line>{{1, 0}});
  }

  TEST_CASE("[Reservation] huge quantities saturate instead of overflowing") {
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    auto merged = inventory::merge_lines({{1, kMax}, {1, kMax}});
    REQUIRE(merged.size() == 1);
    CHECK(merged[0].quantity == inventory::kMaxStock + 1);
  }

  TEST_CASE("[Reservation] short lines: more than available, unknown product, or below 1") {
    std::vector<Line> lines{{1, 3}, {2, 4}, {3, 1}, {4, 0}};
    std::vector<std::optional<StockLevels>> stock{StockLevels{1, 3, 0, 0}, StockLevels{2, 3, 9, 9},
                                                  std::nullopt, StockLevels{4, 5, 0, 0}};
    auto short_lines = inventory::find_short_lines(lines, stock);
    CHECK(short_lines == std::vector<inventory::ShortLine>{{2, 4, 3}, {3, 1, 0}, {4, 0, 5}});
    CHECK(inventory::find_short_lines({{1, 3}}, {StockLevels{1, 3, 0, 0}}).empty());
  }

  TEST_CASE("[Reservation] status names round-trip") {
    using S = inventory::ReservationStatus;
    for (auto s : {S::held, S::committed, S::released, S::returned, S::failed, S::voided}) {
      CHECK(inventory::parse_status(inventory::status_name(s)) == s);
    }
    CHECK_FALSE(inventory::parse_status("pending"));
  }

  TEST_CASE("[StockLevels] moves keep the total and refuse to make a column negative") {
    StockLevels l{1, 10, 0, 0};
    inventory::reserve(l, 4);
    CHECK(l == StockLevels{1, 6, 4, 0});
    inventory::commit(l, 3);
    CHECK(l == StockLevels{1, 6, 1, 3});
    inventory::release(l, 1);
    CHECK(l == StockLevels{1, 7, 0, 3});
    inventory::give_back(l, 3);
    CHECK(l == StockLevels{1, 10, 0, 0});
    CHECK_THROWS_AS(inventory::reserve(l, 11), std::logic_error);
    CHECK_THROWS_AS(inventory::commit(l, 1), std::logic_error);
    CHECK_THROWS_AS(inventory::release(l, 1), std::logic_error);
    CHECK_THROWS_AS(inventory::give_back(l, 1), std::logic_error);
    CHECK_THROWS_AS(inventory::reserve(l, 0), std::logic_error);
    CHECK(l == StockLevels{1, 10, 0, 0});
  }

  TEST_CASE("[StockLevels] an adjustment changes available, never below zero or above the cap") {
    StockLevels l{1, 5, 2, 1};
    CHECK(inventory::adjust(l, -5) == inventory::AdjustOutcome::applied);
    CHECK(l == StockLevels{1, 0, 2, 1});
    CHECK(inventory::adjust(l, -1) == inventory::AdjustOutcome::below_zero);
    CHECK(l == StockLevels{1, 0, 2, 1});
    StockLevels full{2, inventory::kMaxStock - 1, 0, 0};
    CHECK(inventory::adjust(full, 2) == inventory::AdjustOutcome::above_max);
    CHECK(inventory::adjust(full, 1) == inventory::AdjustOutcome::applied);
  }

  TEST_CASE("[Adjustment] validation: delta required, non-zero, bounded; reason defaults") {
    kernel::FieldErrors errors;
    auto a = inventory::validate({5, std::nullopt}, errors);
    CHECK(errors.empty());
    CHECK(a.delta == 5);
    CHECK(a.reason == "restock");

    a = inventory::validate({-2, std::string("  damaged  ")}, errors);
    CHECK(errors.empty());
    CHECK(a.reason == "damaged");

    inventory::validate({std::nullopt, std::string("   ")}, errors);
    CHECK(errors.at("delta") == "is required");
    CHECK(errors.at("reason") == "must not be empty");

    errors.clear();
    inventory::validate({0, std::nullopt}, errors);
    CHECK(errors.at("delta") == "must not be zero");

    errors.clear();
    inventory::validate({inventory::kMaxDelta + 1, std::string(201, 'x')}, errors);
    CHECK(errors.count("delta") == 1);
    CHECK(errors.count("reason") == 1);
  }
}
