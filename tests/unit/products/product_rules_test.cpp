#include "domain/product.hpp"
#include "usecases/catalog.hpp"

#include <doctest/doctest.h>

TEST_SUITE("products") {
  TEST_CASE("[Product] validation names each bad field") {
    products::ProductChanges c;
    c.name = "   ";
    c.price_cents = -1;
    c.currency = "usd";
    c.sku = std::optional<std::string>("has space");
    kernel::FieldErrors errors;
    products::validate(c, errors);
    CHECK(errors.count("name") == 1);
    CHECK(errors.count("price_cents") == 1);
    CHECK(errors.count("currency") == 1);
    CHECK(errors.count("sku") == 1);
  }

  TEST_CASE("[Product] names are trimmed; zero price and no sku are fine") {
    products::ProductChanges c;
    c.name = "  Tea  ";
    c.price_cents = 0;
    kernel::FieldErrors errors;
    products::validate(c, errors);
    CHECK(errors.empty());
    CHECK(c.name == "Tea");
  }

  TEST_CASE("[Catalog] free text becomes quoted FTS5 prefix terms, never FTS syntax") {
    using products::Catalog;
    CHECK(Catalog::to_fts_query("green tea") == "\"green\"* \"tea\"*");
    CHECK(Catalog::to_fts_query("tea\" OR name:*") == "\"tea\"* \"OR\"* \"name\"*");
    CHECK(Catalog::to_fts_query("  ()*:^ ") == "");
    CHECK(Catalog::to_fts_query("café") == "\"café\"*");
  }
}
