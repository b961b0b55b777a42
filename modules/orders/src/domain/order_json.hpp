#pragma once
// An order's JSON document: the body of every orders answer that shows one order, and the answer
// kept for an Idempotency-Key (the order as it was placed).

#include "domain/order.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace orders {

boost::json::object to_json(const Order& o);
// to_json(o), serialised.
std::string order_document(const Order& o);

}  // namespace orders
