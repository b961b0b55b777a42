#!/usr/bin/env python3
"""Seeds products into a running server through its public HTTP API.

POST /api/v1/products with {"name", "description", "price_cents"} for products 1..COUNT, over a few
keep-alive connections (http.client, standard library only). Every answer must be a 201 carrying
the new product's id; anything else stops the run with exit status 1. The ids are written one per
line to --ids-out, for bench/lua/random_product.lua.

If MART_ADMIN_EMAIL and MART_ADMIN_PASSWORD are set, it first logs in (POST /api/v1/auth/login)
and sends the token with every request; if the login route does not answer 200, it goes on
without a token (mutations are open while the users module is not there).

The generated products match those the SQLite ceiling server creates for itself
(bench/ceiling_products_db.hpp), so both answer bodies of the same size.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time


def product(i):
    return {
        "name": f"Product {i:05d}",
        "description": f"Benchmark product {i}, seeded through the public API by bench/seed_products.py.",
        "price_cents": 100 + (i * 37) % 99900,
    }


def login(host, port, timeout):
    email = os.environ.get("MART_ADMIN_EMAIL")
    password = os.environ.get("MART_ADMIN_PASSWORD")
    if not email or not password:
        return None
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        body = json.dumps({"email": email, "password": password})
        connection.request("POST", "/api/v1/auth/login", body,
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            return None
        return json.loads(data)["access_token"]
    except (OSError, ValueError, KeyError):
        return None
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--ids-out", help="file to write the created ids to, one per line")
    parser.add_argument("--deadline", type=float, default=120.0,
                        help="seconds after which the run is abandoned (exit status 1)")
    args = parser.parse_args()

    token = login(args.host, args.port, 5.0)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"

    lock = threading.Lock()
    next_number = iter(range(1, args.count + 1))
    ids = []
    failures = []
    start = time.monotonic()
    deadline = start + args.deadline

    def worker():
        connection = http.client.HTTPConnection(args.host, args.port, timeout=10.0)
        try:
            while not failures:
                with lock:
                    i = next(next_number, None)
                if i is None:
                    return
                if time.monotonic() > deadline:
                    failures.append(f"deadline of {args.deadline:.0f} s passed")
                    return
                connection.request("POST", "/api/v1/products", json.dumps(product(i)), headers)
                response = connection.getresponse()
                data = response.read()
                if response.status != 201:
                    failures.append(f"product {i}: HTTP {response.status}: {data[:300]!r}")
                    return
                new_id = json.loads(data)["id"]
                with lock:
                    ids.append(int(new_id))
        except (OSError, http.client.HTTPException, ValueError, KeyError) as error:
            failures.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(max(1, args.connections))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start

    if failures:
        print(f"seed_products: {failures[0]}", file=sys.stderr)
        return 1
    ids.sort()
    if args.ids_out:
        with open(args.ids_out, "w", encoding="ascii") as out:
            out.writelines(f"{i}\n" for i in ids)
    print(f"seeded {len(ids)} products in {elapsed:.2f} s ({len(ids) / elapsed:.0f}/s), "
          f"ids {ids[0]}..{ids[-1]}{', with a token' if token else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
