-- wrk script: POST /api/v1/verify for persons sampled by
--   go run ./tools/loadgen -url URL -token OFFICER_TOKEN -sample-out people.txt
-- then
--   PEOPLE=people.txt TOKEN=PARTNER_TOKEN wrk -t1 -c128 -d20s -s tools/loadgen/verify.lua URL
-- Each request names one sampled person by ID number and full name, as
-- loadgen's verify scenario does; every answer must be 200.
local people = {}
for line in io.lines(os.getenv("PEOPLE") or "people.txt") do
  local id, name = line:match("^(%d+)|(.*)$")
  if id then
    people[#people + 1] = '{"id_number":"' .. id .. '","full_name":"' .. name .. '"}'
  end
end
assert(#people > 0, "no persons in the PEOPLE file")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Purpose"] = "load_test"
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("TOKEN"), "TOKEN: a partner access token with scope ekyc")
math.randomseed(os.time())

request = function()
  return wrk.format(nil, "/api/v1/verify", nil, people[math.random(#people)])
end

done = function(summary, latency, requests)
  io.write(string.format("non-2xx or failed: %d; p50 %.1f ms p95 %.1f ms p99 %.1f ms\n",
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
