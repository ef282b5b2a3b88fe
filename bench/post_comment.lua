-- POST comments as the trusted bench reader, each with new text, as replies to a random
-- parent among BENCH_PARENTS (comma-separated ids). The CSRF pair is a fixed 32-character
-- token sent as both cookie and form field; BENCH_FORM_TOKEN is the form's signed timestamp.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local parents = {}
for id in string.gmatch(os.getenv("BENCH_PARENTS"), "%d+") do parents[#parents + 1] = id end
local csrf = "benchbenchbenchbenchbenchbench12"
local fields = "name=Bench+Reader&email=bench.reader%40example.com&form_token=" .. os.getenv("BENCH_FORM_TOKEN")
  .. "&csrfmiddlewaretoken=" .. csrf

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "csrftoken=" .. csrf

local threads = {}
function setup(thread)
  thread:set("thread_number", #threads + 1)
  threads[#threads + 1] = thread
end

local sent = 0
function init(args)
  math.randomseed(os.time() + (thread_number or 0) * 7919)
end

function request()
  sent = sent + 1
  local body = string.format("Comment+%d+from+wrk+thread+%d%%3A+reply+number+%d+to+this+thread+%%28%d%%29.",
    math.random(1, 1000000000), thread_number or 0, sent, math.random(1, 1000000))
  local parent = parents[math.random(1, #parents)]
  return wrk.format(nil, nil, nil, fields .. "&parent=" .. parent .. "&body=" .. body)
end
