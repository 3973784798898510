-- wrk script: each request takes the next path from the file named by env PATHS (one per
-- line), so the server answers many distinct codes instead of one cached answer.
--
-- Paths are streamed from the file rather than held in a Lua table: with 300k+ strings live,
-- every LuaJIT GC cycle re-marks the whole table and wrk (which shares the machine with the
-- server) spent ~4 µs a request on it, charged to the rotating endpoints but not to /health.
--
-- Everything after the path is put together once: `wrk.format` formats every header of every
-- request anew, and with a bearer token that cost the client (which shares the machine with
-- the server) more than carrying the token cost the server.
local f
local tail
function init(args)
  -- wrk.headers holds the Host header already.
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[#headers + 1] = name .. ": " .. value
  end
  -- AUTH=<jwt>: every request carries it as a bearer token (auth-on runs).
  if os.getenv("AUTH") and os.getenv("AUTH") ~= "" then
    headers[#headers + 1] = "Authorization: Bearer " .. os.getenv("AUTH")
  end
  tail = " HTTP/1.1\r\n" .. table.concat(headers, "\r\n") .. "\r\n\r\n"
  f = assert(io.open(os.getenv("PATHS"), "r"))
  -- start each thread at a different place in the file
  local size = f:seek("end")
  f:seek("set", math.random(0, math.max(size - 1, 0)))
  f:read("*l")
end
function request()
  local p = f:read("*l")
  if not p then
    f:seek("set", 0)
    p = f:read("*l")
  end
  return "GET " .. p .. tail
end
function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d rps=%.0f p50_us=%d p90_us=%d p99_us=%d errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
