#include "domain/order_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace orders {

boost::json::object to_json(const Order& o) {
  boost::json::array items;
  for (const auto& line : o.lines) {
    items.push_back(boost::json::object{{"product_id", line.product_id},
                                        {"quantity", line.quantity},
                                        {"unit_price_cents", line.unit_price_cents}});
  }
  boost::json::object out{{"id", o.id},
                          {"user_id", o.user_id},
                          {"status", status_name(o.status)},
                          {"items", std::move(items)},
                          {"total_cents", o.total_cents},
                          {"currency", o.currency},
                          {"shipping_address", o.shipping_address},
                          {"created_at", o.created_at},
                          {"updated_at", o.updated_at}};
  if (o.cancel_reason) {
    out["cancel_reason"] = *o.cancel_reason;
  } else {
    out["cancel_reason"] = nullptr;
  }
  return out;
}

std::string order_document(const Order& o) {
  return boost::json::serialize(to_json(o));
}

}  // namespace orders
