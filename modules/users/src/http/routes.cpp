#include "http/routes.hpp"

#include <eventbus/request_trace.hpp>
#include <kernel/json_body.hpp>
#include <kernel/pagination.hpp>

#include <boost/json/object.hpp>

namespace users::http {
namespace {

boost::json::object to_json(const User& u) {
  boost::json::object o;
  o["id"] = u.id;
  o["email"] = u.email;
  o["name"] = u.name;
  if (u.address) {
    o["address"] = *u.address;
  } else {
    o["address"] = nullptr;
  }
  o["role"] = kernel::role_name(u.role);
  o["created_at"] = u.created_at;
  return o;
}

// Missing required strings are reported with the type errors, all in one 422.
std::string required(kernel::JsonBody& body, std::string_view field) {
  auto value = body.string(field);
  if (!value && !body.has(field)) body.fail(field, "is required");
  return value.value_or("");
}

}  // namespace

void add_routes(kernel::Router& router, Accounts& accounts, kernel::WorkerPool& password_work) {
  // Both hash or verify a password (about 0.4 s of CPU): answered from password_work's threads,
  // so that the I/O thread goes on serving its other connections meanwhile.
  router.post("/api/v1/users", [&accounts, &password_work](kernel::Request& request) {
    auto body = kernel::JsonBody::parse(request);
    Registration input{required(body, "email"), required(body, "password"), required(body, "name")};
    body.finish();
    return password_work.answer_later(
        request, [&accounts, input = std::move(input), trace = eventbus::trace_of(request)] {
          auto user = accounts.register_user(input, trace);
          auto response = kernel::Response::json(201, to_json(user));
          response.headers.set("Location", "/api/v1/users/me");
          return response;
        });
  });

  router.post("/api/v1/auth/login", [&accounts, &password_work](kernel::Request& request) {
    auto body = kernel::JsonBody::parse(request);
    auto email = required(body, "email");
    auto password = required(body, "password");
    body.finish();
    return password_work.answer_later(request, [&accounts, email = std::move(email),
                                                password = std::move(password)] {
      auto token = accounts.login(email, password);
      return kernel::Response::json(200, boost::json::object{{"access_token", token.access_token},
                                                             {"token_type", "Bearer"},
                                                             {"expires_in", token.expires_in}});
    });
  });

  // Checks the current password and hashes the new one: on password_work too, within its budget.
  router.post(
      "/api/v1/users/me/password",
      [&accounts, &password_work](kernel::Request& request) {
        auto body = kernel::JsonBody::parse(request);
        auto current = required(body, "current_password");
        auto next = required(body, "new_password");
        body.finish();
        return password_work.answer_later(
            request, [&accounts, id = request.caller().user_id, current = std::move(current),
                      next = std::move(next)] {
              accounts.change_password(id, current, next);
              return kernel::Response::no_content();
            });
      },
      kernel::Access::user);

  router.post(
      "/api/v1/auth/logout",
      [&accounts](kernel::Request& request) {
        // The gateway accepted this "Bearer <token>"; its id and expiry are read from it again.
        auto header = request.header("Authorization").value_or("");
        constexpr std::size_t kScheme = 7;  // "Bearer "
        accounts.logout(request.caller().user_id,
                        header.size() > kScheme ? header.substr(kScheme) : std::string_view());
        return kernel::Response::no_content();
      },
      kernel::Access::user);

  router.get(
      "/api/v1/users/me",
      [&accounts](kernel::Request& request) {
        return kernel::Response::json(200, to_json(accounts.get(request.caller().user_id)));
      },
      kernel::Access::user);

  router.patch(
      "/api/v1/users/me",
      [&accounts](kernel::Request& request) {
        auto body = kernel::JsonBody::parse(request);
        ProfileChanges changes;
        changes.name = body.string("name");
        if (const auto* address = body.value("address"); address && address->is_null()) {
          changes.address = std::optional<std::string>();
        } else if (auto text = body.string("address")) {
          changes.address = std::optional<std::string>(*text);
        }
        body.finish();
        auto user = accounts.update(request.caller().user_id, std::move(changes),
                                    eventbus::trace_of(request));
        return kernel::Response::json(200, to_json(user));
      },
      kernel::Access::user);

  router.get(
      "/api/v1/users",
      [&accounts](kernel::Request& request) {
        auto page = kernel::parse_page(request);
        auto result = accounts.list(page.after.value_or(0), page.limit);
        boost::json::array items;
        for (const auto& user : result.items) items.push_back(to_json(user));
        return kernel::page_response(std::move(items), result.next_after);
      },
      kernel::Access::admin);
}

}  // namespace users::http
