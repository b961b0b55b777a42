#include "subscribers/keep_contact.hpp"
#include "subscribers/subscribers.hpp"

#include <users/events.hpp>

namespace notifications::subscribers {

void on_user_registered(eventbus::ModuleBus& bus, const Dependencies&) {
  bus.subscribe<users::events::UserRegistered>("notifications.on_user_registered",
                                               keep_contact<users::events::UserRegistered>);
}

}  // namespace notifications::subscribers
