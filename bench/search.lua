-- wrk script: every request a search never asked before (so the response cache cannot
-- answer it), made of two words the bench issues use and a term that matches nothing.
-- The summary line is report.lua's (bench/run.py says where it is in BENCH_REPORT).
dofile(os.getenv("BENCH_REPORT"))
local words = {
  "model", "data", "training", "inference", "gradient", "attention", "token", "embedding",
  "transformer", "diffusion", "encoder", "benchmark", "accuracy", "latency", "memory",
  "retrieval", "context", "prompt", "agent", "policy", "reward", "scaling", "robust",
  "baseline", "ablation", "dropout", "vision", "language", "speech", "graph", "forecast",
}
local counter = 0
local thread_id = 0
local threads = 0

function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

function init(args)
  math.randomseed(tonumber(os.getenv("BENCH_SEED") or "1") + thread_id)
end

local function letters(n)
  local out = ""
  repeat
    out = out .. string.char(97 + n % 26)
    n = math.floor(n / 26)
  until n == 0
  return out
end

function request()
  counter = counter + 1
  local a = words[math.random(#words)]
  local b = words[math.random(#words)]
  local unique = "zq" .. letters(thread_id) .. "x" .. letters(counter) .. letters(math.random(10^6))
  return wrk.format("GET", "/search/?q=" .. a .. "+" .. b .. "+-" .. unique)
end
