#include "usecases/accounts.hpp"

#include "domain/password.hpp"
#include "store/user_store.hpp"

#include <users/events.hpp>

#include <kernel/time.hpp>

namespace users {
namespace {

template <class E>
E event_of(const User& u) {
  return E{u.id, u.email, u.name, std::string(kernel::role_name(u.role))};
}

kernel::ApiError unauthorized() {
  return kernel::ApiError(401, "Unauthorized", "The email or the password is wrong.");
}

kernel::ApiError not_found(std::int64_t id) {
  return kernel::ApiError::not_found("User " + std::to_string(id) + " not found.");
}

}  // namespace

User Accounts::register_user(Registration input, const eventbus::Trace& trace, kernel::Role role) {
  kernel::FieldErrors errors;
  auto email = normalize_email(input.email);
  if (!email) errors["email"] = "must be a valid email address";
  check_password(input.password, errors);
  check_name(input.name, errors);
  throw_if_invalid(errors);

  User user;
  user.email = *email;
  user.name = input.name;
  user.role = role;
  user.created_at = user.updated_at = kernel::format_rfc3339(bus_.clock().now());
  auto hash = password::hash(input.password);  // slow on purpose: outside the write lock
  return bus_.transact(trace, [&](eventbus::Tx& tx) {
    if (store::find_by_email_key(tx.db(), email_key(user.email))) {
      throw kernel::ApiError::conflict("An account with this email already exists.");
    }
    user.id = store::insert(tx.db(), user, hash);
    tx.publish(event_of<events::UserRegistered>(user));
    return user;
  });
}

IssuedToken Accounts::login(const std::string& email, const std::string& password) {
  auto normalized = normalize_email(email);
  std::optional<store::Credentials> credentials;
  if (normalized) {
    credentials = bus_.db().read(
        [&](kernel::Connection& c) { return store::find_by_email_key(c, email_key(*normalized)); });
  }
  if (!credentials) {
    password::verify_dummy(password);
    throw unauthorized();
  }
  if (!password::verify(credentials->password_hash, password)) throw unauthorized();

  auto now = std::chrono::duration_cast<std::chrono::seconds>(bus_.clock().now().time_since_epoch())
                 .count();
  kernel::TokenClaims claims{credentials->user.id, credentials->user.role, now,
                             now + options_.token_ttl.count()};
  return {options_.tokens->sign(claims), options_.token_ttl.count()};
}

User Accounts::get(std::int64_t id) {
  auto user = bus_.db().read([&](kernel::Connection& c) { return store::find(c, id); });
  if (!user) throw not_found(id);
  return *user;
}

User Accounts::update(std::int64_t id, ProfileChanges changes, const eventbus::Trace& trace) {
  kernel::FieldErrors errors;
  if (changes.name) check_name(*changes.name, errors);
  if (changes.address && *changes.address) check_address(**changes.address, errors);
  throw_if_invalid(errors);
  return bus_.transact(trace, [&](eventbus::Tx& tx) {
    auto user = store::find(tx.db(), id);
    if (!user) throw not_found(id);
    auto before = *user;
    if (changes.name) user->name = *changes.name;
    if (changes.address) user->address = *changes.address;
    if (user->name == before.name && user->address == before.address) return *user;
    user->updated_at = kernel::format_rfc3339(bus_.clock().now());
    store::update_profile(tx.db(), *user);
    tx.publish(event_of<events::UserUpdated>(*user));
    return *user;
  });
}

UserPage Accounts::list(std::int64_t after, int limit) {
  UserPage page;
  page.items =
      bus_.db().read([&](kernel::Connection& c) { return store::page(c, after, limit + 1); });
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.resize(static_cast<std::size_t>(limit));
    page.next_after = page.items.back().id;
  }
  return page;
}

std::int64_t Accounts::ensure_admin(const std::string& email, const std::string& password,
                                    const std::string& name) {
  kernel::FieldErrors errors;
  auto normalized = normalize_email(email);
  if (!normalized) errors["email"] = "must be a valid email address";
  check_password(password, errors);
  throw_if_invalid(errors);
  auto existing = bus_.db().read(
      [&](kernel::Connection& c) { return store::find_by_email_key(c, email_key(*normalized)); });
  eventbus::Trace trace{"ensure-admin", ""};
  if (!existing) {
    return register_user({*normalized, password, name.empty() ? "Administrator" : name}, trace,
                         kernel::Role::admin)
        .id;
  }
  bool is_admin = existing->user.role == kernel::Role::admin;
  if (is_admin && password::verify(existing->password_hash, password)) return existing->user.id;
  auto hash = password::hash(password);
  bus_.transact(trace, [&](eventbus::Tx& tx) {
    auto user = existing->user;
    user.role = kernel::Role::admin;
    user.updated_at = kernel::format_rfc3339(bus_.clock().now());
    store::update_role_and_password(tx.db(), user.id, user.role, hash, user.updated_at);
    if (!is_admin) tx.publish(event_of<events::UserUpdated>(user));
  });
  return existing->user.id;
}

std::optional<kernel::Principal> Accounts::find(std::int64_t user_id) {
  auto user = bus_.db().read([&](kernel::Connection& c) { return store::find(c, user_id); });
  if (!user) return std::nullopt;
  return kernel::Principal{user->id, user->role};
}

}  // namespace users
