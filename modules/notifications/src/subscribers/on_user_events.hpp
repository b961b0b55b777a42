#pragma once
// Keeps the contacts (email, name) from users' UserRegistered and UserUpdated.

#include <eventbus/bus.hpp>

namespace notifications::subscribers {

void subscribe_on_user_events(eventbus::ModuleBus& bus);

}  // namespace notifications::subscribers
