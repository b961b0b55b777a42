# Every module of Mart, named once. Everything that needs the list derives from it:
#  - the build: one events target and one library per module (modules/CMakeLists.txt);
#  - the boundary checks (cmake/MartModule.cmake, cmake/CheckBoundaries.cmake);
#  - the generated header <mart/module_list.hpp>: the bus's module codes, the `modules` setting,
#    the forwarding gateway's routes and the demo seed read it;
#  - the app's module factories (app/module_registry.cpp), checked against it when compiled.
#
# A module's position is its code on the bus (dead-letter ids are local id * 16 + code, and such
# ids are already stored): append a new module at the end, never reorder or remove one.
set(MART_MODULES products orders payments inventory notifications users)

# The API path prefixes each module answers, for the forwarding gateway of split mode.
set(MART_MODULE_PATHS_products /api/v1/products)
set(MART_MODULE_PATHS_orders /api/v1/orders)
set(MART_MODULE_PATHS_payments /api/v1/payments)
set(MART_MODULE_PATHS_inventory /api/v1/inventory)
set(MART_MODULE_PATHS_notifications /api/v1/notifications)
set(MART_MODULE_PATHS_users /api/v1/users /api/v1/auth)
