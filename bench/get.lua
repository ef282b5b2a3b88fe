-- GET one address; BENCH_COOKIE and BENCH_IF_NONE_MATCH add those headers when set.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local cookie = os.getenv("BENCH_COOKIE")
local etag = os.getenv("BENCH_IF_NONE_MATCH")
if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
if etag and etag ~= "" then wrk.headers["If-None-Match"] = etag end
