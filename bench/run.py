"""`make bench`: Colloquy's production stack on loopback, driven by wrk, measured against the ceiling.

Loads the fixed data set (manage.py bench_data) into its own database once, starts gunicorn
with production settings, runs each scenario for a few seconds after a short warm-up, and
measures the ceiling (config/bench_views.py: a precomputed body served by the same gunicorn
through the same middleware) at each page's size in the same run. Prints one table and
writes it, with a description of the machine, to bench/results/<date>.md.

BENCH_SCALE=1 also measures a database of 10,000 posts and 1,000,000 comments (seed_bulk),
seeded once and kept. BENCH_DURATION (seconds per scenario) shortens or lengthens a run.
"""

import datetime
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import redis

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"
# gunicorn's logs stay out of the working tree.
LOG_DIR = Path(tempfile.gettempdir()) / "colloquy-bench"
PYTHON = sys.executable
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
WARMUP = 2
THREADS, CONNECTIONS = 2, 16
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/colloquy_bench")
SCALE_DATABASE_URL = os.environ.get(
    "BENCH_SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/colloquy_bench_scale"
)
SCALE_POSTS, SCALE_COMMENTS = 10_000, 1_000_000
# Worker recycling off (0): at thousands of requests per second, gunicorn.conf.py's
# max_requests=1000 restarts every worker every few seconds, and the restarts (a Django
# import each) would dominate the cheap pages and the ceiling alike.
MAX_REQUESTS = os.environ.get("BENCH_MAX_REQUESTS", "0")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
BYPASS = "colloquy_held=x"  # any held-comment cookie makes the page cache step aside
# The machine's 1-minute load average when the run starts, before the server starts, and at the end:
# above this, other processes competed for the 2 cores and the table says so.
LOAD_AVERAGES = []
BUSY_LOAD = 1.0
# Ceilings within this fraction of a size already measured are reused.
SIZE_TOLERANCE = 0.02

SEED_SLUG = "love-letters-between-north-korea-and-palestine"
BIG_SLUG = "bench-3000-comments"
POSTING_MANY_SLUG = "bench-posting-many-threads"
POSTING_ONE_SLUG = "bench-posting-one-thread"


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# The database, Redis and the server.


def ensure_database(url):
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            log(f"creating database {name}")
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def query(url, sql, params=()):
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def redis_answers():
    try:
        return redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError:
        return False


def delete_redis_keys(prefix):
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])
    return len(keys)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(environment, *args, check=True, capture=False):
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        check=check,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )


class Server:
    """gunicorn with config/gunicorn.conf.py on a free loopback port; always stopped."""

    def __init__(self, environment, log_path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.environment = {**environment, "PORT": str(self.port)}
        self.log_path = log_path
        self.peak_kib = {}

    def __enter__(self):
        self.log_file = open(self.log_path, "w")
        gunicorn = str(Path(PYTHON).parent / "gunicorn")
        self.process = subprocess.Popen(
            [gunicorn, "--config", "config/gunicorn.conf.py", "--max-requests", MAX_REQUESTS, "config.wsgi"],
            cwd=ROOT,
            env=self.environment,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                if fetch(self.base + "/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer in 60 s; see {self.log_path}")

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_file.close()

    def workers(self):
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def sample_memory(self):
        """Peak resident memory (VmHWM) of each worker seen so far, in KiB."""
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
            if match:
                self.peak_kib[pid] = max(self.peak_kib.get(pid, 0), int(match.group(1)))


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


# wrk.


def wrk(url, *, script="get.lua", threads=THREADS, connections=CONNECTIONS, duration=DURATION, **variables):
    environment = {**os.environ, "BENCH_DIR": str(BENCH_DIR), **variables}
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s"]
    command += ["-s", str(BENCH_DIR / script), url]
    output = subprocess.run(command, env=environment, check=True, text=True, capture_output=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    result = json.loads(line.removeprefix("BENCH_JSON "))
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def measure(url, *, warmup=True, **options):
    if warmup:
        wrk(url, duration=WARMUP, **{k: v for k, v in options.items() if k != "duration"})
    return wrk(url, **options)


class Run:
    """One stack's measurements: rows for the table, ceilings by size."""

    def __init__(self, server):
        self.server = server
        self.ceilings = {}
        self.rows = []

    def ceiling(self, size):
        for measured, result in self.ceilings.items():
            if abs(measured - size) <= SIZE_TOLERANCE * max(size, 1):
                return result
        log(f"ceiling at {size} bytes")
        self.ceilings[size] = measure(f"{self.server.base}/bench/ceiling/{size}/")
        self.server.sample_memory()
        return self.ceilings[size]

    def page(self, name, path, *, cookie="", with_ceiling=True, **options):
        """Measure `path` (its size fetched first, which also warms the page cache)."""
        headers = {"Cookie": cookie} if cookie else {}
        status, response_headers, body = fetch(self.server.base + path, headers)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        log(f"{name}: {path} ({len(body)} bytes)")
        result = measure(self.server.base + path, BENCH_COOKIE=cookie, **options)
        self.server.sample_memory()
        result.update(name=name, path=path, size=len(body), etag=response_headers.get("ETag"))
        if with_ceiling:
            result["ceiling"] = self.ceiling(len(body))["rate"]
            result["ratio"] = result["rate"] / result["ceiling"]
        self.rows.append(result)
        return result


def posting(run, url_db, name, slug, parents_sql, form_token):
    """POST comments with wrk; the rate is also counted in the database."""
    (post_id,) = query(url_db, "SELECT id FROM blog_post WHERE slug = %s", [slug])[0]
    parents = [str(row[0]) for row in query(url_db, parents_sql, [post_id])]
    count_sql = "SELECT status, count(*) FROM comments_comment WHERE post_id = %s GROUP BY status"
    url = f"{run.server.base}/comments/post/{post_id}/"
    variables = {"BENCH_PARENTS": ",".join(parents), "BENCH_FORM_TOKEN": form_token}
    wrk(url, script="post_comment.lua", duration=WARMUP, **variables)
    before = dict(query(url_db, count_sql, [post_id]))
    log(f"{name}: POST {url} with {len(parents)} parent(s)")
    result = wrk(url, script="post_comment.lua", **variables)
    after = dict(query(url_db, count_sql, [post_id]))
    run.server.sample_memory()
    added = {status: after.get(status, 0) - before.get(status, 0) for status in after}
    result.update(
        name=name,
        path=url.removeprefix(run.server.base),
        inserted=sum(added.values()),
        approved=added.get("approved", 0),
        db_rate=sum(added.values()) / (result["duration_us"] / 1e6),
    )
    run.rows.append(result)
    return result


# The table.


def ms(microseconds):
    return f"{microseconds / 1000:.1f} ms"


def verdict(ok):
    return "yes" if ok else "**no**"


def row(result, goal="", met="", notes=""):
    ceiling = f"{result['ceiling']:,.0f}" if "ceiling" in result else "—"
    ratio = f"{result['ratio']:.2f}" if "ratio" in result else "—"
    return (
        f"| {result['name']} | {result['rate']:,.0f} | {ms(result['p50_us'])} | {ms(result['p99_us'])} "
        f"| {ceiling} | {ratio} | {goal} | {met} | {notes} |"
    )


def errors_note(result):
    bad = result["status_errors"] + result["socket_errors"]
    return f"{bad} errors" if bad else ""


def machine_description(environment, redis_on):
    cpuinfo, meminfo = Path("/proc/cpuinfo").read_text(), Path("/proc/meminfo").read_text()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    memory_kib = int(re.search(r"^MemTotal:\s+(\d+)", meminfo, re.MULTILINE).group(1))
    postgres = query(DATABASE_URL, "SHOW server_version")[0][0]
    redis_version = redis.Redis.from_url(REDIS_URL).info("server")["redis_version"] if redis_on else "not used"
    versions = (
        manage(
            environment,
            "shell",
            "-c",
            "import django, gunicorn; print(django.get_version(), gunicorn.__version__)",
            capture=True,
        )
        .stdout.splitlines()[-1]
        .split()
    )
    wrk_banner = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    wrk_version = re.search(r"wrk (\S+)", wrk_banner).group(1)
    load = " / ".join(f"{value:.1f}" for value in LOAD_AVERAGES)
    busy = max(LOAD_AVERAGES) > BUSY_LOAD
    return [
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- load average (1 min) at start / before the server / at the end: {load}"
        + (" — **other work was using the CPU: these figures understate the stack**" if busy else ""),
        f"- machine: {os.cpu_count()} cores ({cpu}), {memory_kib / 1024**2:.1f} GiB memory, Linux {platform.release()}",
        f"- PostgreSQL {postgres}; Redis {redis_version}; Python {platform.python_version()}; "
        f"Django {versions[0]}; gunicorn {versions[1]}; wrk {wrk_version}",
    ]


# The runs.


def stack_environment(database_url, prefix, redis_on, **extra):
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "CONN_MAX_AGE": "600",
        "CACHE_KEY_PREFIX": prefix,
        "BENCHMARK_VIEWS": "1",
        # Posting at full speed: the minimum-time, rate-limit and duplicate checks are off.
        "COMMENT_MIN_SECONDS": "0",
        "COMMENT_RATE_LIMITS": "0",
        "COMMENT_DUPLICATE_CHECK": "0",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    environment.pop("DATABASE_REPLICA_URL", None)
    if redis_on:
        environment["REDIS_URL"] = REDIS_URL
    else:
        environment.pop("REDIS_URL", None)
    return environment


def search_words(database_url):
    """Two searches: a common word (in the most posts) and a selective one (in about 1% of posts).

    Returns [(word, posts matching)], taken from the data itself so either data set finds something.
    """
    stats = "ts_stat('SELECT search_vector FROM blog_post')"
    (posts,) = query(database_url, "SELECT count(*) FROM blog_post")[0]
    common = query(database_url, f"SELECT word, ndoc FROM {stats} WHERE length(word) > 3 ORDER BY ndoc DESC LIMIT 1")
    selective = query(
        database_url,
        f"SELECT word, ndoc FROM {stats} WHERE length(word) > 3 ORDER BY abs(ndoc - %s), word LIMIT 1",
        [max(2, posts // 100)],
    )
    return [*common, *selective]


def small_run(environment, log_path):
    seed_path, big_path, big_pages = post_paths(DATABASE_URL)
    with Server(environment, log_path) as server:
        run = Run(server)
        home = run.page("home page", "/")
        run.page("home page, cache bypassed", "/", cookie=BYPASS)
        warm = run.page("post, 300 comments, cache warm", seed_path)
        bypassed = run.page("post, 300 comments, cache bypassed", seed_path, cookie=BYPASS)
        run.page("post, 3,000 comments (first page), cache warm", big_path)
        run.page("post, 3,000 comments (first page), cache bypassed", big_path, cookie=BYPASS)
        run.page(f"deep permalink (page {big_pages} of threads), cache warm", f"{big_path}?cpage={big_pages}")
        for word, matches in search_words(DATABASE_URL):
            run.page(f"search, {matches:,} of the posts match", f"/search/?q={word}")
        run.page("RSS feed", "/feed/")
        not_modified = measure(f"{server.base}{seed_path}", BENCH_IF_NONE_MATCH=warm["etag"])
        not_modified.update(name="304 Not Modified (post page's ETag)", path=seed_path)
        not_modified["ceiling"] = run.ceiling(0)["rate"]
        not_modified["ratio"] = not_modified["rate"] / not_modified["ceiling"]
        run.rows.append(not_modified)
        one = measure(f"{server.base}{seed_path}", threads=1, connections=1, BENCH_COOKIE=BYPASS)
        one.update(name="post, 300 comments, bypassed, one connection", path=seed_path)
        run.rows.append(one)
        token = json.loads(fetch(f"{server.base}/comments/form-token/")[2])["token"]
        parents = "SELECT id FROM comments_comment WHERE post_id = %s AND status = 'approved' ORDER BY id"
        many = posting(run, DATABASE_URL, "posting comments, 200 threads", POSTING_MANY_SLUG, parents, token)
        root = "SELECT id FROM comments_comment WHERE post_id = %s AND parent_id IS NULL ORDER BY id LIMIT 1"
        one_thread = posting(run, DATABASE_URL, "posting comments, one busy thread", POSTING_ONE_SLUG, root, token)
        peak = dict(server.peak_kib)
    trees = manage(environment, "check_comment_trees", check=False, capture=True)
    return {
        "run": run,
        "home": home,
        "warm": warm,
        "bypassed": bypassed,
        "not_modified": not_modified,
        "one": one,
        "many": many,
        "one_thread": one_thread,
        "peak_kib": peak,
        "trees_ok": trees.returncode == 0,
        "trees_output": trees.stdout.strip(),
        "seed_comments": query(DATABASE_URL, "SELECT comment_count FROM blog_post WHERE slug = %s", [SEED_SLUG])[0][0],
    }


def post_paths(database_url):
    """The seed post's and the 3,000-comment post's addresses, and the big post's number of thread pages."""
    environment = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    code = (
        "from blog.models import Post, SiteSettings; import math; "
        f"seed = Post.objects.get(slug='{SEED_SLUG}'); big = Post.objects.get(slug='{BIG_SLUG}'); "
        "threads = big.comments.filter(parent=None).count(); "
        "print(seed.get_absolute_url(), big.get_absolute_url(), "
        "math.ceil(threads / SiteSettings.load().comment_threads_per_page))"
    )
    seed, big, pages = manage(environment, "shell", "-c", code, capture=True).stdout.splitlines()[-1].split()
    return seed, big, int(pages)


def scale_run(environment, log_path, small):
    """The million-comment database: home, post pages and search, compared with the small data set."""
    ensure_database(SCALE_DATABASE_URL)
    manage(environment, "migrate", "--noinput", "-v0")
    (posts,) = query(SCALE_DATABASE_URL, "SELECT count(*) FROM blog_post")[0]
    (comments,) = query(SCALE_DATABASE_URL, "SELECT count(*) FROM comments_comment")[0]
    if posts and comments < SCALE_COMMENTS:
        raise RuntimeError("colloquy_bench_scale is partly seeded: drop it (dropdb --force) and run again")
    if posts == 0:
        if manage(environment, "help", "seed_bulk", check=False, capture=True).returncode != 0:
            log("seed_bulk is not available yet: skipping the BENCH_SCALE measurements")
            return None
        log("seeding 10,000 posts and 1,000,000 comments (once)")
        sizes = ["--posts", str(SCALE_POSTS), "--comments", str(SCALE_COMMENTS)]
        manage(environment, "seed_bulk", *sizes, "--max-depth", "5", "--seed", "1")
    manage(environment, "bench_data", "--site-settings-only")
    explain = manage(environment, "explain_queries", check=False, capture=True)
    explain_text = explain.stdout if explain.returncode == 0 else "(manage.py explain_queries is not available)\n"
    near = query(
        SCALE_DATABASE_URL,
        "SELECT slug FROM blog_post WHERE status = 'published' ORDER BY abs(comment_count - 300), id LIMIT 1",
    )[0][0]
    largest, largest_count = query(
        SCALE_DATABASE_URL,
        "SELECT slug, comment_count FROM blog_post WHERE status = 'published' ORDER BY comment_count DESC LIMIT 1",
    )[0]
    code = (
        "from blog.models import Post; "
        f"print(Post.objects.get(slug='{near}').get_absolute_url(), "
        f"Post.objects.get(slug='{largest}').get_absolute_url())"
    )
    near_path, largest_path = manage(environment, "shell", "-c", code, capture=True).stdout.splitlines()[-1].split()
    with Server(environment, log_path) as server:
        run = Run(server)
        home = run.page("1M: home page, cache bypassed", "/", cookie=BYPASS, with_ceiling=False)
        post = run.page("1M: post near 300 comments, cache bypassed", near_path, cookie=BYPASS, with_ceiling=False)
        run.page(
            f"1M: largest post ({largest_count:,} comments), cache bypassed",
            largest_path,
            cookie=BYPASS,
            with_ceiling=False,
        )
        searches = [
            run.page(f"1M: search, {matches:,} of the posts match", f"/search/?q={word}", with_ceiling=False)
            for word, matches in search_words(SCALE_DATABASE_URL)
        ]
    small_home = next(row for row in small["run"].rows if row["name"] == "home page, cache bypassed")
    return {
        "run": run,
        "home": home,
        "post": post,
        "searches": searches,
        "home_factor": home["p50_us"] / small_home["p50_us"],
        "post_factor": post["p50_us"] / small["bypassed"]["p50_us"],
        "explain": explain_text,
    }


def report(small, profile, scale, machine, redis_on):
    goals = {
        "post, 300 comments, cache bypassed": ("ratio ≥ 0.12", small["bypassed"]["ratio"] >= 0.12),
        "post, 300 comments, cache warm": ("ratio ≥ 0.8", small["warm"]["ratio"] >= 0.8),
        "304 Not Modified (post page's ETag)": ("ratio ≥ 0.4", small["not_modified"]["ratio"] >= 0.4),
        "post, 300 comments, bypassed, one connection": ("p50 ≤ 6 ms", small["one"]["p50_us"] <= 6000),
        "posting comments, 200 threads": ("≥ 100 comments/s", small["many"]["db_rate"] >= 100),
        "posting comments, one busy thread": ("≥ 40 comments/s", small["one_thread"]["db_rate"] >= 40),
    }
    lines = [
        "| scenario | req/s | p50 | p99 | ceiling req/s | ratio | goal | met? | notes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for result in small["run"].rows:
        goal, met = goals.get(result["name"], ("", None))
        notes = [errors_note(result)]
        if "db_rate" in result:
            notes.insert(0, f"{result['db_rate']:.0f} comments/s in the database ({result['approved']} approved)")
        elif result.get("size") is not None:
            notes.insert(0, f"{result['size']:,} bytes")
        lines.append(row(result, goal, "" if met is None else verdict(met), "; ".join(n for n in notes if n)))
    if scale:
        for result in scale["run"].rows:
            goal, met = "", None
            if result is scale["home"]:
                goal, met = f"p50 ≤ 1.5× small ({scale['home_factor']:.2f}×)", scale["home_factor"] <= 1.5
            elif result is scale["post"]:
                goal, met = f"p50 ≤ 1.5× small ({scale['post_factor']:.2f}×)", scale["post_factor"] <= 1.5
            elif any(result is search for search in scale["searches"]):
                goal, met = "p50 < 50 ms", result["p50_us"] < 50_000
            lines.append(row(result, goal, "" if met is None else verdict(met), errors_note(result)))
    bytes_per_comment = small["warm"]["size"] / small["seed_comments"]
    peak = small["peak_kib"]
    extra = [
        (
            "CPU per view, 300-comment post (in-process, page cache off)",
            f"{profile['view_cpu_ms']:.1f} ms",
            "≤ 5 ms",
            profile["view_cpu_ms"] <= 5,
        ),
        (
            "HTML per comment, 300-comment page (whole page ÷ comments)",
            f"{bytes_per_comment:,.0f} bytes",
            "< 1 KB",
            bytes_per_comment < 1024,
        ),
        (
            "HTML per additional comment (1,000 vs 300 comments)",
            f"{profile['bytes_per_added_comment']:,.0f} bytes",
            "< 1 KB",
            profile["bytes_per_added_comment"] < 1024,
        ),
        ("CPU per 100 comments, 1,000-comment post", f"{profile['cpu_ms_per_100_comments']:.1f} ms", "", None),
        (
            "CPU per additional comment (1,000 vs 300 comments)",
            f"{profile['us_per_added_comment']:.1f} µs",
            "≤ 10 µs",
            profile["us_per_added_comment"] <= 10,
        ),
        (
            "comment trees valid after posting",
            small["trees_output"].splitlines()[-1] if small["trees_output"] else "",
            "valid",
            small["trees_ok"],
        ),
        (
            "peak memory per gunicorn worker (VmHWM)",
            f"{max(peak.values()) / 1024:.0f} MiB max over {len(peak)} workers" if peak else "?",
            "",
            None,
        ),
    ]
    lines += ["", "| measure | value | goal | met? |", "|---|---|---|---|"]
    lines += [
        f"| {name} | {value} | {goal} | {'' if met is None else verdict(met)} |" for name, value, goal, met in extra
    ]
    pages = profile["pages"]
    notes = [
        "",
        f"wrk {THREADS} threads, {CONNECTIONS} connections, {DURATION} s per scenario after a {WARMUP} s warm-up. "
        "Ratio = the page's req/s ÷ the ceiling's (a precomputed body of the same size, same gunicorn, same "
        'middleware, same run); the 304\'s ceiling is the empty body. "Cache bypassed" sends a '
        "`colloquy_held` cookie, as a reader with a held comment does.",
        "Posting ran with the minimum-time, rate-limit and duplicate checks off (COMMENT_MIN_SECONDS=0 "
        "COMMENT_RATE_LIMITS=0 COMMENT_DUPLICATE_CHECK=0); every other check ran.",
        f"Stack: gunicorn (config/gunicorn.conf.py, {len(peak)} workers seen, max_requests={MAX_REQUESTS}), "
        "DEBUG=0, CONN_MAX_AGE=600, " + ("Redis cache." if redis_on else "local-memory cache (Redis did not answer)."),
        "In-process CPU per page (manage.py profile_pages): "
        + ", ".join(f"{name} {page['comments']} comments {page['cpu_ms']:.1f} ms" for name, page in pages.items())
        + ".",
    ]
    if not scale:
        notes.append("The 1,000,000-comment goals are measured with `BENCH_SCALE=1 make bench` only.")
    return "\n".join(["## Benchmark", "", *machine, "", *lines, *notes, ""])


def main():
    RESULTS_DIR.mkdir(exist_ok=True)
    LOG_DIR.mkdir(exist_ok=True)
    today = datetime.date.today().isoformat()
    LOAD_AVERAGES.append(os.getloadavg()[0])
    redis_on = redis_answers()
    prefix = f"bench-{secrets.token_hex(4)}"
    environment = stack_environment(DATABASE_URL, prefix, redis_on)
    log(f"database {DATABASE_URL}; cache {'Redis, prefix ' + prefix if redis_on else 'local memory'}")
    try:
        ensure_database(DATABASE_URL)
        manage(environment, "migrate", "--noinput", "-v0")
        manage(environment, "bench_data", "--reset-posting")
        manage(environment, "collectstatic", "--noinput", "-v0")
        log("in-process profile")
        profile = json.loads(manage(environment, "profile_pages", "--json", capture=True).stdout)
        LOAD_AVERAGES.append(os.getloadavg()[0])
        small = small_run(environment, LOG_DIR / "gunicorn.log")
        scale = None
        if os.environ.get("BENCH_SCALE") == "1":
            # Its own key prefix: the two databases must not share cached pages or settings.
            scale_environment = stack_environment(SCALE_DATABASE_URL, f"{prefix}-scale", redis_on)
            scale = scale_run(scale_environment, LOG_DIR / "gunicorn-scale.log", small)
            if scale:
                (RESULTS_DIR / f"{today}-explain.txt").write_text(scale["explain"])
        LOAD_AVERAGES.append(os.getloadavg()[0])
        text = report(small, profile, scale, machine_description(environment, redis_on), redis_on)
    finally:
        if redis_on:
            log(f"deleted {delete_redis_keys(prefix)} Redis keys under {prefix}")
    (RESULTS_DIR / f"{today}.md").write_text(text)
    print(text)
    log(f"written to bench/results/{today}.md")


if __name__ == "__main__":
    main()
