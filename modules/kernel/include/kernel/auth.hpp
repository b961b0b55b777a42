#pragma once
// Who is calling: the typed principal the gateway hands to handlers, the access a route demands,
// and where the gateway looks a token's user up.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kernel {

enum class Role { customer, admin };

std::string_view role_name(Role role);
std::optional<Role> parse_role(std::string_view text);

struct Principal {
  std::int64_t user_id = 0;
  Role role = Role::customer;
  // The account's current token generation: a token of an older one is refused.
  std::int64_t token_generation = 0;
  bool is_admin() const { return role == Role::admin; }
};

// Who may call a route: anyone, any signed-in user, or admins only.
enum class Access { anyone, user, admin };

// The current state of an account, for token checks (a token of a deleted user is refused, and a
// demoted admin loses admin rights before the token expires), and the tokens ended early: a
// token whose generation is not the account's (a password or role change since it was signed)
// or whose id was revoked (a logout) is refused.
class PrincipalDirectory {
 public:
  virtual ~PrincipalDirectory() = default;
  virtual std::optional<Principal> find(std::int64_t user_id) = 0;
  // Whether the token with this id (its "jti") was ended before its expiry (a logout).
  virtual bool revoked(std::string_view token_id) = 0;
};

}  // namespace kernel
