#pragma once
// Every event Orders reacts to, one file each (on_<event>.cpp), and the list module.cpp
// registers in this order: products' events keep its catalogue copy; inventory's and payments'
// drive the order flow.

#include <eventbus/bus.hpp>

#include <array>

namespace orders::subscribers {

// What the handlers need besides the bus: nothing (the flow's steps take the bus's clock).
struct Dependencies {};

void on_product_created(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_product_updated(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_product_deleted(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_stock_reserved(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_stock_reservation_failed(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_payment_succeeded(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_payment_failed(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_payment_refunded(eventbus::ModuleBus& bus, const Dependencies& deps);

inline constexpr std::array kAll{
    &on_product_created,          &on_product_updated,   &on_product_deleted, &on_stock_reserved,
    &on_stock_reservation_failed, &on_payment_succeeded, &on_payment_failed,  &on_payment_refunded};

}  // namespace orders::subscribers
