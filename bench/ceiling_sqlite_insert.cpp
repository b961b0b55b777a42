// Ceiling 3: Beast + one SQLite insert per request, each in its own transaction (WAL,
// synchronous=NORMAL), through one writer connection behind a mutex: the write path the
// order-flow benchmark is compared with.
// POST /api/v1/products with {"name", "description", "price_cents"} answers 201 with the product
// and a Location; a malformed body is a 400, missing or mistyped fields a 422, any other path a
// 404, any other method a 405.
// Usage: bench_ceiling_sqlite_insert --port N --threads T --db FILE

#include "ceiling_products_db.hpp"
#include "ceiling_server.hpp"

#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace {

struct NewProduct {
  std::string name;
  std::string description;
  std::int64_t price_cents = 0;
};

// Tolerant: unknown fields are ignored; returns nullopt for a missing or mistyped field.
std::optional<NewProduct> to_new_product(const boost::json::value& body) {
  const auto* object = body.if_object();
  if (object == nullptr) return std::nullopt;
  const auto* name = object->if_contains("name");
  const auto* description = object->if_contains("description");
  const auto* price = object->if_contains("price_cents");
  if (name == nullptr || !name->is_string() || description == nullptr ||
      !description->is_string() || price == nullptr || !price->is_int64()) {
    return std::nullopt;
  }
  return NewProduct{std::string(name->get_string()), std::string(description->get_string()),
                    price->get_int64()};
}

// The one writer: a connection, its prepared statements, and the mutex that serializes them.
class Writer {
 public:
  explicit Writer(const std::string& file)
      : db_(bench::create_products_db(file)),
        begin_(db_, "BEGIN"),
        commit_(db_, "COMMIT"),
        rollback_(db_, "ROLLBACK"),
        insert_(db_, bench::kInsertProduct) {}

  // Inserts in its own transaction; returns the new id.
  std::int64_t insert(const NewProduct& product, const std::string& now) {
    std::lock_guard lock(mutex_);
    try {
      run(begin_);
      insert_.bind(1, product.name);
      insert_.bind(2, product.description);
      insert_.bind(3, product.price_cents);
      insert_.bind(4, now);
      run(insert_);
      run(commit_);
    } catch (...) {
      insert_.tryReset();
      rollback_.tryReset();
      rollback_.tryExecuteStep();
      rollback_.tryReset();
      throw;
    }
    return db_.getLastInsertRowid();
  }

 private:
  static void run(SQLite::Statement& statement) {
    statement.exec();
    statement.reset();
  }

  std::mutex mutex_;
  SQLite::Database db_;
  SQLite::Statement begin_;
  SQLite::Statement commit_;
  SQLite::Statement rollback_;
  SQLite::Statement insert_;
};

class InsertHandler {
 public:
  explicit InsertHandler(Writer& writer) : writer_(writer) {}

  void handle(const bench::Request& req, bench::Response& res) {
    namespace http = bench::http;
    const std::string_view target = req.target();
    if (target.substr(0, target.find('?')) != "/api/v1/products") {
      return bench::set_problem(res, http::status::not_found);
    }
    if (req.method() != http::verb::post) {
      return bench::set_problem(res, http::status::method_not_allowed);
    }
    boost::system::error_code ec;
    const boost::json::value body = boost::json::parse(req.body(), ec);
    if (ec) return bench::set_problem(res, http::status::bad_request);
    const auto product = to_new_product(body);
    if (!product) return bench::set_problem(res, http::status::unprocessable_entity);
    const std::string now = bench::now_rfc3339();
    std::int64_t id = 0;
    try {
      id = writer_.insert(*product, now);
    } catch (const std::exception&) {
      return bench::set_problem(res, http::status::internal_server_error);
    }
    res.set(http::field::location, "/api/v1/products/" + std::to_string(id));
    std::string json = bench::product_json(id, product->name, product->description,
                                           product->price_cents, "USD", nullptr, false, now, now);
    bench::set_json(res, http::status::created, std::move(json));
  }

 private:
  Writer& writer_;
};

}  // namespace

int main(int argc, char** argv) {
  const bench::Options options = bench::parse_options(argc, argv, true);
  try {
    Writer writer(options.db);
    return bench::serve<InsertHandler>(
        options, [&](std::size_t) { return std::make_unique<InsertHandler>(writer); });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ceiling_sqlite_insert: %s\n", e.what());
    return 1;
  }
}
