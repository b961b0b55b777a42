-- wrk script: POST /api/v1/orders as the benchmark's customers.
--   {"items":[{"product_id":<random product>,"quantity":1}],"payment_token":"tok_visa"}
--   with Authorization: Bearer <a customer's token>.
-- Environment: ORDERS_TOKENS_FILE (one access token a line), ORDERS_IDS_FILE (one product id a
-- line), ORDERS_WRK_THREADS (wrk's -t, to split the customers between the threads).
-- wrk's Lua API has no per-connection hook, so customers cannot be pinned to connections: each
-- wrk thread owns its own share of the customers (64 customers, 2 threads: 32 each) and sends as
-- the next of them in turn, which spreads every customer over the run just the same. The requests
-- (customer x product) are formatted once per thread, so wrk spends its time sending.
-- At the end it prints one line that bench/orders/run.sh reads:
--   BENCH_JSON {"requests":..,"rps":..,"p50_us":..,"p99_us":..,"created":..,"non201":..,
--               "statuses":"422:3 500:1",...}

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
  threads[#threads + 1] = thread
end

local function read_lines(variable)
  local name = os.getenv(variable)
  assert(name and name ~= "", "place_order.lua: " .. variable .. " is not set")
  local lines = {}
  for line in io.lines(name) do
    if line ~= "" then lines[#lines + 1] = line end
  end
  assert(#lines > 0, "place_order.lua: " .. name .. " is empty")
  return lines
end

local prepared = {}  -- prepared[customer][product]
local turn = 0
created = 0
other = 0
statuses = ""
local by_status = {}

function init(args)
  local number = thread_number or 1
  local count = tonumber(os.getenv("ORDERS_WRK_THREADS") or "1")
  math.randomseed(os.time() * 1000 + number)
  local tokens = read_lines("ORDERS_TOKENS_FILE")
  local ids = read_lines("ORDERS_IDS_FILE")
  for i, token in ipairs(tokens) do
    if (i - 1) % count == number - 1 or count > #tokens then
      local headers = { ["Content-Type"] = "application/json",
                        ["Authorization"] = "Bearer " .. token }
      local row = {}
      for p, id in ipairs(ids) do
        row[p] = wrk.format("POST", "/api/v1/orders", headers,
          '{"items":[{"product_id":' .. id .. ',"quantity":1}],"payment_token":"tok_visa"}')
      end
      prepared[#prepared + 1] = row
    end
  end
  assert(#prepared > 0, "place_order.lua: no customer for thread " .. number)
end

function request()
  turn = turn % #prepared + 1
  local row = prepared[turn]
  return row[math.random(#row)]
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    other = other + 1
    by_status[status] = (by_status[status] or 0) + 1
    local parts = {}
    for code, n in pairs(by_status) do parts[#parts + 1] = code .. ":" .. n end
    statuses = table.concat(parts, " ")
  end
end

function done(summary, latency, requests)
  local total_created, total_other, seen = 0, 0, {}
  for _, thread in ipairs(threads) do
    total_created = total_created + (thread:get("created") or 0)
    total_other = total_other + (thread:get("other") or 0)
    local s = thread:get("statuses") or ""
    if s ~= "" then seen[#seen + 1] = s end
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"rps":%.1f,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_timeout":%d,"non2xx":%d,' ..
    '"created":%d,"non201":%d,"statuses":"%s"}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, errors.connect, errors.read, errors.write, errors.timeout, errors.status,
    total_created, total_other, table.concat(seen, " ")))
end
