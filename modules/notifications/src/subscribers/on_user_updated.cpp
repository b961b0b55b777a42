#include "subscribers/keep_contact.hpp"
#include "subscribers/subscribers.hpp"

#include <users/events.hpp>

namespace notifications::subscribers {

void on_user_updated(eventbus::ModuleBus& bus, const Dependencies&) {
  bus.subscribe<users::events::UserUpdated>("notifications.on_user_updated",
                                            keep_contact<users::events::UserUpdated>);
}

}  // namespace notifications::subscribers
