"""Operating the site: request ids and the request log, health endpoints, error pages.

- `request_log`: the request id (from X-Request-ID or made up) and one log line per request.
- `logs`: the JSON log format used in production, and the filter that stamps every log
  line written during a request with its id.
- `health`: /healthz and /readyz, answered before anything else runs.
- `errors`: the 500 handler, which answers 503 when the database is unreachable.
"""
