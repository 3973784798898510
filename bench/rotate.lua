-- wrk script: each request takes the next path from the file named by env PATHS (one per
-- line), so the server answers many distinct codes instead of one cached answer.
local paths = {}
local i = 0
function init(args)
  local f = assert(io.open(os.getenv("PATHS"), "r"))
  for line in f:lines() do paths[#paths + 1] = line end
  f:close()
  -- start each thread at a different offset
  i = math.random(#paths)
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d rps=%.0f p50_us=%d p90_us=%d p99_us=%d errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
