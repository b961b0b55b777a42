// Ceiling 2: Beast + one SQLite primary-key read + Boost.JSON per request.
// At start it creates a fresh database file (WAL) with 10,000 products, then each thread opens its
// own read-only connection and prepares its statement once.
// GET /api/v1/products/{id} answers the product (200) or 404; any other path is a 404, any other
// method a 405.
// Usage: bench_ceiling_sqlite_read --port N --threads T --db FILE

#include "ceiling_products_db.hpp"
#include "ceiling_server.hpp"

#include <cstdio>
#include <exception>
#include <memory>
#include <string>

namespace {

constexpr int kProducts = 10'000;

void seed(const std::string& file) {
  SQLite::Database db = bench::create_products_db(file);
  SQLite::Transaction transaction(db);
  SQLite::Statement insert(db, bench::kInsertProduct);
  const std::string now = bench::now_rfc3339();
  for (int i = 1; i <= kProducts; ++i) {
    insert.bind(1, bench::product_name(i));
    insert.bind(2, bench::product_description(i));
    insert.bind(3, bench::product_price_cents(i));
    insert.bind(4, now);
    insert.exec();
    insert.reset();
  }
  transaction.commit();
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

class ReadHandler {
 public:
  explicit ReadHandler(const std::string& file)
      : db_(file, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX),
        select_(db_, bench::kSelectProduct) {}

  void handle(const bench::Request& req, bench::Response& res) {
    namespace http = bench::http;
    if (req.method() != http::verb::get) {
      return bench::set_problem(res, http::status::method_not_allowed);
    }
    const auto id = bench::product_id(req.target());
    if (!id) return bench::set_problem(res, http::status::not_found);
    select_.bind(1, *id);
    if (!select_.executeStep()) {
      select_.reset();
      return bench::set_problem(res, http::status::not_found);
    }
    std::string body = bench::product_json(select_);
    select_.reset();  // ends the read transaction now, not at the next request
    bench::set_json(res, http::status::ok, std::move(body));
  }

 private:
  SQLite::Database db_;
  SQLite::Statement select_;
};

}  // namespace

int main(int argc, char** argv) {
  const bench::Options options = bench::parse_options(argc, argv, true);
  try {
    seed(options.db);
    return bench::serve<ReadHandler>(
        options, [&](std::size_t) { return std::make_unique<ReadHandler>(options.db); });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ceiling_sqlite_read: %s\n", e.what());
    return 1;
  }
}
