#include "seed/seed_demo.hpp"

#include "application.hpp"
#include "module_registry.hpp"
#include "seed/demo_catalog.hpp"
#include "seed/existing_data.hpp"

#include <kernel/ids.hpp>
#include <kernel/log.hpp>
#include <mart/module_list.hpp>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <stdexcept>
#include <string_view>

namespace mart::seed {
namespace {

constexpr int kExitHasData = 1;
constexpr int kExitConfig = 2;

const std::string kDefaultAdminEmail = "admin@mart.local";
const std::string kCustomerEmail = "customer@mart.local";
const std::string kCustomerName = "Demo Customer";

// 16 characters in groups of four, from 32 that are hard to misread: 80 random bits, and nothing
// a shell or a JSON string would need escaped.
std::string random_password() {
  static constexpr std::string_view kAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";
  static_assert(kAlphabet.size() == 32);  // 256 % 32 == 0: every character equally likely
  auto hex = kernel::random_hex_id();     // 16 random bytes
  std::string password;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i > 0 && i % 4 == 0) password += '-';
    auto byte = std::stoul(hex.substr(2 * i, 2), nullptr, 16);
    password += kAlphabet[byte % kAlphabet.size()];
  }
  return password;
}

std::vector<std::string> missing_modules(const Config& config) {
  std::vector<std::string> missing;
  for (const auto name : kModuleNames) {
    bool configured =
        std::find(config.modules.begin(), config.modules.end(), name) != config.modules.end();
    if (!configured || !find_module(name)) missing.emplace_back(name);
  }
  return missing;
}

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& word : words) text += (text.empty() ? "" : ", ") + word;
  return text;
}

// Where a client on this machine reaches the configured listener.
std::string base_url(const Config& config) {
  std::string host = config.host;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(config.port);
}

// Requests as the HTTP adapter builds them, dispatched in process through the gateway and router.
class DemoClient {
 public:
  explicit DemoClient(Application& app) : app_(app) {}

  boost::json::value call(const std::string& method, const std::string& path,
                          const boost::json::object& body, int expected_status) {
    kernel::Request request;
    request.method = method;
    request.path = request.target = path;
    if (method != "GET") {
      request.body = boost::json::serialize(body);
      request.headers.set("Content-Type", "application/json");
    }
    if (!token_.empty()) request.headers.set("Authorization", "Bearer " + token_);
    request.request_id = "seed-demo-" + kernel::random_hex_id();
    request.client_address = "127.0.0.1";
    auto response = app_.handle(request);
    if (response.status != expected_status) {
      throw std::runtime_error("seed-demo: " + method + " " + path + " answered " +
                               std::to_string(response.status) + ": " + response.body);
    }
    return response.body.empty() ? boost::json::value() : boost::json::parse(response.body);
  }
  boost::json::value get(const std::string& path) { return call("GET", path, {}, 200); }
  void sign_in_as(std::string token) { token_ = std::move(token); }

 private:
  Application& app_;
  std::string token_;
};

struct Seeded {
  std::string admin_email;
  std::string admin_password;  // empty when it was configured: not echoed
  std::string customer_password;
  std::vector<std::int64_t> product_ids;  // in catalogue order
};

Seeded seed(Application& app, const std::string& admin_email, const std::string& admin_password,
            const std::string& admin_name) {
  Seeded seeded{admin_email, "", random_password(), {}};
  auto password = admin_password;
  if (password.empty()) seeded.admin_password = password = random_password();
  app.ensure_admin(admin_email, password, admin_name);

  DemoClient client(app);
  auto login = client.call("POST", "/api/v1/auth/login",
                           {{"email", admin_email}, {"password", password}}, 200);
  client.sign_in_as(std::string(login.at("access_token").as_string()));

  const auto& catalog = demo_catalog();
  for (const auto& product : catalog) {
    auto created = client.call("POST", "/api/v1/products",
                               {{"name", product.name},
                                {"description", product.description},
                                {"price_cents", product.price_cents},
                                {"currency", "USD"},
                                {"sku", product.sku}},
                               201);
    seeded.product_ids.push_back(created.at("id").as_int64());
  }
  // Inventory opens a stock record for each product when it handles ProductCreated.
  app.bus().run_until_idle();
  for (std::size_t i = 0; i < catalog.size(); ++i) {
    if (catalog[i].stock == 0) continue;
    client.call("POST",
                "/api/v1/inventory/" + std::to_string(seeded.product_ids[i]) + "/adjustments",
                {{"delta", catalog[i].stock}, {"reason", "restock"}}, 200);
  }
  client.sign_in_as("");
  client.call(
      "POST", "/api/v1/users",
      {{"email", kCustomerEmail}, {"password", seeded.customer_password}, {"name", kCustomerName}},
      201);
  // Products learns its in_stock from inventory's events; orders keeps its catalogue copy.
  app.bus().run_until_idle();

  for (std::size_t i = 0; i < catalog.size(); ++i) {
    auto id = std::to_string(seeded.product_ids[i]);
    auto stock = client.get("/api/v1/inventory/" + id);
    auto product = client.get("/api/v1/products/" + id);
    if (stock.at("available").as_int64() != catalog[i].stock ||
        product.at("in_stock").as_bool() != (catalog[i].stock > 0)) {
      throw std::runtime_error("seed-demo: product " + id + " is not consistent after delivery: " +
                               boost::json::serialize(stock) + " " +
                               boost::json::serialize(product));
    }
  }
  if (!app.bus().dead_letters(std::nullopt, 1).empty()) {
    throw std::runtime_error(
        "seed-demo: an event became a dead letter; see mart dead-letters list");
  }
  return seeded;
}

void print(std::ostream& out, const Config& config, const Seeded& seeded) {
  const auto& catalog = demo_catalog();
  auto in_stock = std::count_if(catalog.begin(), catalog.end(),
                                [](const DemoProduct& p) { return p.stock > 0; });
  auto url = base_url(config);
  auto admin_password = seeded.admin_password.empty()
                            ? std::string("(the configured admin_password / MART_ADMIN_PASSWORD)")
                            : seeded.admin_password;
  auto width = std::max(seeded.admin_email.size(), kCustomerEmail.size()) + 3;
  out << "Demo data loaded into " << config.data_dir.string() << ": " << catalog.size()
      << " products (" << in_stock << " in stock), an admin and a customer.\n"
      << "The passwords are shown only this once:\n\n"
      << "  admin     " << std::left << std::setw(static_cast<int>(width)) << seeded.admin_email
      << "password: " << admin_password << "\n"
      << "  customer  " << std::setw(static_cast<int>(width)) << kCustomerEmail
      << "password: " << seeded.customer_password << "\n\n"
      << "With the server running (make run), paste these two commands in another shell: the "
         "first\nsigns in as the customer, the second orders product "
      << seeded.product_ids.front() << " (" << catalog.front().name << ").\n\n"
      << "TOKEN=$(curl -s -X POST " << url
      << "/api/v1/auth/login -H 'Content-Type: application/json' "
         "-d '{\"email\":\""
      << kCustomerEmail << "\",\"password\":\"" << seeded.customer_password
      << "\"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')\n"
      << "curl -s -X POST " << url
      << "/api/v1/orders -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' "
         "-d '{\"items\":[{\"product_id\":"
      << seeded.product_ids.front() << ",\"quantity\":1}],\"payment_token\":\"tok_visa\"}'\n";
  if (config.port == 0) {
    out << "\n(port is 0: the server picks a free port; use the one it logs instead of 0.)\n";
  }
}

}  // namespace

int seed_demo(Config config, const SeedDemoOptions& options, std::ostream& out, std::ostream& err) {
  if (auto missing = missing_modules(config); !missing.empty()) {
    err << "mart seed-demo: every module must be hosted by this process (modules = all); "
           "not hosted: "
        << joined(missing) << "\n";
    return kExitConfig;
  }
  if (holds_users_or_products(config.data_dir)) {
    if (options.if_empty) return 0;
    err << "mart seed-demo: " << config.data_dir.string()
        << " already has data; seed-demo only fills an empty data directory\n";
    return kExitHasData;
  }
  // The admin is created below, with the demo data: opening must not create it first.
  auto admin_email = config.admin_email.empty() ? kDefaultAdminEmail : config.admin_email;
  auto admin_password = config.admin_password;
  config.admin_email.clear();
  config.admin_password.clear();
  auto admin_name = config.admin_name;
  // stdout is for the credentials: the modules' info lines would bury them.
  if (kernel::log::level() == kernel::log::Level::info) {
    kernel::log::set_level(kernel::log::Level::warn);
  }

  Application app(std::move(config));
  app.open();
  if (app.hosted().size() != kModuleNames.size()) {
    err << "mart seed-demo: this build does not host every module\n";
    return kExitConfig;
  }
  auto seeded = seed(app, admin_email, admin_password, admin_name);
  print(out, app.config(), seeded);
  return 0;
}

}  // namespace mart::seed
