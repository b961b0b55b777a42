#!/usr/bin/env python3
"""Prepares a running mart for the order-flow benchmark, through its public HTTP API only.

1. logs in as the admin (MART_ADMIN_EMAIL / MART_ADMIN_PASSWORD, as given to mart);
2. creates --products products (POST /api/v1/products), waits until the inventory knows each
   (GET /api/v1/inventory/{id} answers 200) and gives each --stock units
   (POST /api/v1/inventory/{id}/adjustments);
3. registers --customers customers (POST /api/v1/users) and logs each in (POST /api/v1/auth/login);
   passwords are Argon2id-hashed by mart, so this takes a few seconds;
4. waits until the event flow is quiet (GET /api/v1/admin/events/status: nothing waiting anywhere),
   so that the orders module's copy of the catalogue holds every product;
5. places one probe order and waits until it is confirmed, so that a broken flow stops the run
   here rather than after 30 s of load.

Writes the product ids (--ids-out), the customers' access tokens (--tokens-out) and the admin's
token (--admin-token-out), one per line. Standard library only; exit status 1 on any failure.
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import sys
import time


class Client:
    def __init__(self, host, port, token=None, timeout=15.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.token = token
        self.connection = None

    def call(self, method, path, body=None, token=None):
        headers = {}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        bearer = token or self.token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        for attempt in range(2):  # one reconnect: the server closes idle keep-alive connections
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port,
                                                             timeout=self.timeout)
            try:
                self.connection.request(method, path, body, headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
                if attempt == 1:
                    raise
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data.decode("utf-8", "replace")
        return response.status, parsed


def fail(message):
    print(f"setup: {message}", file=sys.stderr)
    sys.exit(1)


def expect(status, body, wanted, what):
    if status != wanted:
        fail(f"{what}: HTTP {status}, wanted {wanted}: {body}")
    return body


def login(client, email, password):
    status, body = client.call("POST", "/api/v1/auth/login", {"email": email, "password": password})
    return expect(status, body, 200, f"login of {email}")["access_token"]


def wait_quiet(clients, deadline, what):
    while True:
        modules = []
        for client in clients:
            status, body = client.call("GET", "/api/v1/admin/events/status")
            expect(status, body, 200, "GET /api/v1/admin/events/status")
            modules += body["modules"]
        body = {"modules": modules}
        busy = {m["module"]: m["outbox_waiting"] for m in modules if m["outbox_waiting"]}
        dead = sum(m.get("dead_letters", 0) for m in modules)
        if dead:
            fail(f"{what}: {dead} dead letters: {body}")
        if not busy:
            return
        if time.monotonic() > deadline:
            fail(f"{what}: the event flow did not go quiet in time: {busy}")
        time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--stock", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=64)
    parser.add_argument("--parallel", type=int, default=4,
                        help="concurrent registrations / logins (each is an Argon2id hash)")
    parser.add_argument("--ids-out", required=True)
    parser.add_argument("--tokens-out", required=True)
    parser.add_argument("--admin-token-out", required=True)
    parser.add_argument("--deadline", type=float, default=90.0)
    parser.add_argument("--status-port", type=int, action="append", default=[],
                        help="also wait for this process's event flow to go quiet (split mode, "
                             "where --port is a gateway that hosts no module)")
    args = parser.parse_args()

    started = time.monotonic()
    deadline = started + args.deadline
    email = os.environ.get("MART_ADMIN_EMAIL")
    password = os.environ.get("MART_ADMIN_PASSWORD")
    if not email or not password:
        fail("MART_ADMIN_EMAIL and MART_ADMIN_PASSWORD must be set (the admin mart was given)")

    admin = Client(args.host, args.port)
    admin.token = login(admin, email, password)

    ids = []
    for i in range(1, args.products + 1):
        status, body = admin.call("POST", "/api/v1/products", {
            "name": f"Bench item {i:02d}",
            "description": f"Order-flow benchmark product {i}.",
            "price_cents": 199 + 100 * i,
        })
        ids.append(expect(status, body, 201, "POST /api/v1/products")["id"])

    for product_id in ids:
        while True:
            status, body = admin.call("GET", f"/api/v1/inventory/{product_id}")
            if status == 200:
                break
            if status != 404 or time.monotonic() > deadline:
                fail(f"GET /api/v1/inventory/{product_id}: HTTP {status}: {body}")
            time.sleep(0.02)
        status, body = admin.call("POST", f"/api/v1/inventory/{product_id}/adjustments",
                                  {"delta": args.stock, "reason": "restock"})
        levels = expect(status, body, 200, f"adjustment of product {product_id}")
        if levels["available"] < args.stock:
            fail(f"product {product_id} has {levels['available']} available after the adjustment")

    run_tag = f"{os.getpid()}-{int(time.time())}"

    def customer(n):
        client = Client(args.host, args.port)
        address = f"bench-customer-{n:03d}-{run_tag}@example.com"
        secret = f"bench-customer-password-{n:03d}"
        status, body = client.call("POST", "/api/v1/users",
                                   {"email": address, "password": secret,
                                    "name": f"Bench customer {n}"})
        expect(status, body, 201, f"registration of {address}")
        return login(client, address, secret)

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.parallel) as pool:
        tokens = list(pool.map(customer, range(1, args.customers + 1)))
    accounts_done = time.monotonic()

    quiet_clients = [admin] + [Client(args.host, port, token=admin.token)
                               for port in args.status_port]
    wait_quiet(quiet_clients, deadline, "after the set-up")

    # The probe order: the whole flow once, end to end.
    probe = Client(args.host, args.port, token=tokens[0])
    status, body = probe.call("POST", "/api/v1/orders", {
        "items": [{"product_id": ids[0], "quantity": 1}], "payment_token": "tok_visa"})
    order_id = expect(status, body, 201, "the probe order")["id"]
    while True:
        status, body = probe.call("GET", f"/api/v1/orders/{order_id}")
        expect(status, body, 200, f"GET /api/v1/orders/{order_id}")
        if body["status"] == "confirmed":
            break
        if body["status"] == "cancelled" or time.monotonic() > deadline:
            fail(f"the probe order did not get confirmed: {body}")
        time.sleep(0.02)
    wait_quiet(quiet_clients, deadline, "after the probe order")

    with open(args.ids_out, "w") as out:
        out.writelines(f"{i}\n" for i in ids)
    with open(args.tokens_out, "w") as out:
        out.writelines(f"{t}\n" for t in tokens)
    with open(args.admin_token_out, "w") as out:
        out.write(admin.token + "\n")
    print(f"{len(ids)} products with {args.stock} units each, {len(tokens)} customers registered "
          f"and logged in ({accounts_done - started:.1f} s), probe order {order_id} confirmed; "
          f"set-up took {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
