-- wrk script: POST /api/v1/products with a small JSON product per request (1,000 prepared
-- variants, used in turn), for the write-path ceiling.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local prepared = {}
local next_index = 0

function init(args)
  local headers = { ["Content-Type"] = "application/json" }
  for i = 1, 1000 do
    local body = string.format(
      '{"name":"Product %05d","description":"Benchmark product %d, created by wrk.",' ..
      '"price_cents":%d}', i, i, 100 + (i * 37) % 99900)
    prepared[i] = wrk.format("POST", "/api/v1/products", headers, body)
  end
end

function request()
  next_index = next_index % #prepared + 1
  return prepared[next_index]
end
