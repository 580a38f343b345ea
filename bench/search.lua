-- wrk script: every request a search a reader could make, never one asked before.
--
-- The terms come from the file BENCH_SEARCH_TERMS names (bench/search_terms.py writes it
-- from the bench vocabulary and data). A query is, by chance: one to three words drawn
-- by their frequency in the text (55 %), a quoted phrase from a title (15 %), an author's
-- surname (12 %), an arXiv id (5 %), or a word without another (13 %). Each address also
-- carries a parameter the page ignores and no other request has (`r`), because the
-- whole-response cache keys on the address: a repeated query is never a cache hit.
-- The summary line is report.lua's (bench/run.py says where it is in BENCH_REPORT).
dofile(os.getenv("BENCH_REPORT"))
local pools = {}
local counter = 0
local thread_id = 0
local threads = 0

function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

function init(args)
  math.randomseed(tonumber(os.getenv("BENCH_SEED") or "1") + thread_id)
  local path = os.getenv("BENCH_SEARCH_TERMS") or "var/bench/search-terms.txt"
  for line in io.lines(path) do
    local kind, weight, text = line:match("^(%a)\t([%d.]+)\t(.+)$")
    if kind then
      local pool = pools[kind] or {terms = {}, cumulative = {}, total = 0}
      pool.total = pool.total + tonumber(weight)
      table.insert(pool.terms, text)
      table.insert(pool.cumulative, pool.total)
      pools[kind] = pool
    end
  end
end

local function draw(kind)
  local pool = pools[kind]
  local target = math.random() * pool.total
  local low, high = 1, #pool.cumulative
  while low < high do
    local middle = math.floor((low + high) / 2)
    if pool.cumulative[middle] < target then low = middle + 1 else high = middle end
  end
  return pool.terms[low]
end

local function query()
  local roll = math.random()
  if roll < 0.55 then
    local words = {}
    for i = 1, math.random(3) do words[i] = draw("w") end
    return table.concat(words, " ")
  elseif roll < 0.70 then
    return '"' .. draw("p") .. '"'
  elseif roll < 0.82 then
    return draw("s")
  elseif roll < 0.87 then
    return draw("a")
  end
  return draw("w") .. " -" .. draw("w")
end

local function escape(text)
  return (text:gsub("[^%w%-%.]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  counter = counter + 1
  local unique = thread_id .. "-" .. counter .. "-" .. math.random(10^9)
  return wrk.format("GET", "/search/?q=" .. escape(query()) .. "&r=" .. unique)
end
