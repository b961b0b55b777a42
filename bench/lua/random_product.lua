-- wrk script: GET /api/v1/products/{id} with a random id for every request.
-- Ids are 1..BENCH_PRODUCTS (environment, default 10000), or the ids listed one per line in the
-- file named by BENCH_IDS_FILE (as bench/seed_products.py writes them).
-- The requests are formatted once per thread, so the load generator spends its time sending.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

local prepared = {}

function init(args)
  math.randomseed(os.time() * 1000 + (thread_number or 0))
  local ids = {}
  local file_name = os.getenv("BENCH_IDS_FILE")
  if file_name and file_name ~= "" then
    for line in io.lines(file_name) do
      if line:match("^%d+$") then ids[#ids + 1] = line end
    end
  else
    for id = 1, tonumber(os.getenv("BENCH_PRODUCTS") or "10000") do ids[#ids + 1] = tostring(id) end
  end
  assert(#ids > 0, "random_product.lua: no product ids")
  for i, id in ipairs(ids) do prepared[i] = wrk.format("GET", "/api/v1/products/" .. id) end
end

function request()
  return prepared[math.random(#prepared)]
end
