-- wrk script: an optional If-None-Match, and the summary as one JSON line for bench/run.py.
-- search.lua loads this file for the same summary. Every kind of error wrk counts is
-- reported on its own: a connection refused, reset or closed (connect, read, write), an
-- answer of 400 or more (status), and a request still unanswered after --timeout (timeout).
local etag = os.getenv("BENCH_IF_NONE_MATCH")
if etag then
  wrk.headers["If-None-Match"] = etag
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
