"""Scope benchmark: does a scoped list page stay as fast when the table grows 100-fold?

What it measures
    The scoped table is `areas.Place`. Every row belongs to one of Beijing's 7,535
    communities (jurisdiction = the community, jurisdiction_code = its 12-digit code); rows
    are spread round-robin over all communities, so every community and street holds the
    same share. Two staff accounts look at it through the real URL routes, in process with
    django.test.Client (session login, no second factor):

        community_page   GET /places/          community_worker at 110101001001 (多福巷社区)
        community_api    GET /api/v1/places/   the same community worker
        street_page      GET /places/          street_staff at 110101001 (东华门街道, 10 communities)
        street_api       GET /api/v1/places/   the same street worker

    Each request is the first page: 50 rows, or every row in scope when there are fewer.
    Before timing, one request per target is checked: status 200, the total the paginator
    reports equals the rows in scope counted directly, the page holds min(50, that total)
    rows, and every row lies inside the user's scope.

    The four targets are timed at the small size (10,000 rows), then the table is grown
    to the large size (1,000,000 rows; 100,000 with --quick) and timed again. Each backend
    runs in its own subprocess on a fresh database: SQLite in a temporary directory
    (FRONTLINE_VAR_DIR) and PostgreSQL in the database frontline_bench_scope, created and
    dropped here. PostgreSQL gets a database-wide VACUUM ANALYZE after each load, as
    autovacuum would soon after.

How to read it
    p50_ms_*, p95_ms_*   median and 95th percentile wall time of one request, in ms
                         (*_small at the small size, *_large at the large size)
    ratio                p95_ms_large / p95_ms_small; the goal is <= 1.5, meaning a list
                         costs about the same whatever the size of the whole table
    queries_*            SQL queries of one request; must be equal at both sizes
    in_scope_*, rows_*   rows in the user's scope and rows on the page; with an even spread
                         the scope grows with the table (a community holds ~1 row of 10,000
                         and ~133 of 1,000,000), so the small page can hold fewer than 50
    goal_met             every ratio <= goal_ratio and equal query counts, on every backend
                         asked for; a backend that could not run carries an "error" instead
                         and makes goal_met false (the goal was not shown there)
    loadavg              the machine's 1-minute load average when each size was timed; a
                         busy machine inflates p95, so compare runs on a quiet one

    The JSON object on the last line of stdout is the result; the lines before it are for
    people.

Usage
    .venv/bin/python bench/scope.py [--quick] [--backends sqlite,postgresql]
        [--requests N] [--pg-url URL] [--verbose] [--explain]

    --quick runs 10,000 and 100,000 rows with fewer requests (well under a minute for both
    backends); --verbose prints every SQL statement of one request per target and size;
    --explain prints the query plans of the place queries at the large size.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
SRC_DIR = PROJECT_DIR / "src"
DIVISIONS_FILE = PROJECT_DIR / "data" / "beijing-divisions.csv"

BACKENDS = ("sqlite", "postgresql")
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/frontline_bench_scope"

SMALL = 10_000
LARGE = 1_000_000
QUICK_LARGE = 100_000
REQUESTS, QUICK_REQUESTS = 200, 50
WARMUP, QUICK_WARMUP = 20, 5
PAGE_SIZE = 50
GOAL_RATIO = 1.5
WORKER_TIMEOUT = 1800  # seconds per backend, a guard against a hung database

CITY_CODE, CITY_NAME = "11", "北京市"
STREET_CODE = "110101001"  # 东华门街道, Dongcheng
COMMUNITY_CODE = "110101001001"  # 多福巷社区居委会, in that street
EXPECTED_COMMUNITIES = 7535
SEED = 20200123

# Synthetic names by kind: the list orders by (jurisdiction_code, name, id), so names are
# random to keep the name order unrelated to the insertion order.
KIND_NAMES = {
    "observation_hotel": "观察酒店",
    "lodging_hotel": "宾馆",
    "transfer_point": "转运点",
    "school": "学校",
    "market": "市场",
    "office": "办公楼",
    "other": "场所",
}

TARGETS = {
    # name: (user key, URL name)
    "community_page": ("community", "areas:place_list"),
    "community_api": ("community", "api:place-list"),
    "street_page": ("street", "areas:place_list"),
    "street_api": ("street", "api:place-list"),
}
SCOPE_CODES = {"community": COMMUNITY_CODE, "street": STREET_CODE}


class BenchError(RuntimeError):
    """The measurement would not be honest (wrong status, rows out of scope, ...)."""


def say(message: str) -> None:
    print(message, flush=True)


# --- the worker: one backend, one fresh database, in its own process ------------------------


def django_setup() -> None:
    sys.path.insert(0, str(SRC_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")
    import django

    django.setup()


def divisions_setup() -> int:
    """The city row and every division of Beijing from the shipped file; the community count."""
    from frontline.areas.models import Jurisdiction, Level
    from frontline.areas.services import division_rows_parse, divisions_load

    Jurisdiction.objects.create(code=CITY_CODE, name=CITY_NAME, level=Level.CITY)
    report = divisions_load(actor=None, rows=division_rows_parse(DIVISIONS_FILE.read_bytes()))
    if report.rejected:
        raise BenchError(f"{len(report.rejected)} division rows rejected: {report.rejected[:3]}")
    return Jurisdiction.objects.filter(level=Level.COMMUNITY).count()


def users_setup() -> dict[str, Any]:
    from frontline.accounts.models import User
    from frontline.accounts.services import role_grant_from_console
    from frontline.areas.models import Jurisdiction

    users = {}
    for key, role in (("community", "community_worker"), ("street", "street_staff")):
        user = User.objects.create_user(username=f"bench-{key}-worker")
        role_grant_from_console(user=user, role=role,
                                jurisdiction=Jurisdiction.objects.get(code=SCOPE_CODES[key]))
        users[key] = user
    return users


class PlaceLoader:
    """Appends synthetic places, round-robin over the communities, as fast as the backend can.

    Rows go in with one executemany (SQLite) or COPY (PostgreSQL). The values of every
    column not set here come from an unsaved Place, so a new column with a default does not
    break the benchmark.
    """

    def __init__(self) -> None:
        from django.db import connection
        from django.utils import timezone

        from frontline.areas.models import Jurisdiction, Level, Place

        self.connection = connection
        self.communities = list(Jurisdiction.objects.filter(level=Level.COMMUNITY)
                                .order_by("code").values_list("pk", "code"))
        now = timezone.now()
        template = Place(kind="other", created_at=now, updated_at=now)
        self.fields = [f for f in Place._meta.concrete_fields if not f.primary_key]
        self.columns = [f.column for f in self.fields]
        self.defaults = [f.get_db_prep_save(getattr(template, f.attname), connection)
                         for f in self.fields]
        self.slot = {name: self.columns.index(column) for name, column in (
            ("name", "name"), ("kind", "kind"), ("jurisdiction", "jurisdiction_id"),
            ("code", "jurisdiction_code"))}
        self.table = Place._meta.db_table
        self.loaded = 0
        self.rng = random.Random(SEED)

    def rows(self, count: int):
        kinds = list(KIND_NAMES)
        slot = self.slot
        communities = self.communities
        n = len(communities)
        rng = self.rng
        for i in range(self.loaded, self.loaded + count):
            row = list(self.defaults)
            pk, code = communities[i % n]
            kind = kinds[rng.randrange(len(kinds))]
            row[slot["name"]] = f"{KIND_NAMES[kind]}{rng.randrange(1_000_000):06d}"
            row[slot["kind"]] = kind
            row[slot["jurisdiction"]] = pk
            row[slot["code"]] = code
            yield row

    def grow_to(self, total: int) -> float:
        """Append rows until the table holds `total`; the seconds it took."""
        from django.db import transaction

        count = total - self.loaded
        started = time.perf_counter()
        columns = ", ".join(self.connection.ops.quote_name(c) for c in self.columns)
        table = self.connection.ops.quote_name(self.table)
        with transaction.atomic(), self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in self.rows(count):
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 - names from the model
                    self.rows(count))
        self.loaded = total
        if self.connection.vendor == "postgresql":
            # What autovacuum does a minute later: statistics for every table (the division
            # tree included, or the planner guesses its size), visibility map for the rest.
            with self.connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        return time.perf_counter() - started


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def expected_in_scope(scope_code: str) -> int:
    """Rows in a scope counted directly, without the code under test."""
    from frontline.areas.models import Place

    return Place.objects.filter(jurisdiction_code__startswith=scope_code).count()


def check_response(target: str, client, url: str, scope_code: str) -> tuple[int, int]:
    """One request with the template context captured; (rows in scope, rows on the page)."""
    from django.test.utils import setup_test_environment, teardown_test_environment

    expected = expected_in_scope(scope_code)
    setup_test_environment()
    try:
        response = client.get(url)
    finally:
        teardown_test_environment()
    if response.status_code != 200:
        raise BenchError(f"{target}: {url} answered {response.status_code}")
    if target.endswith("_api"):
        data = response.json()
        total, codes = data["count"], [row["jurisdiction"] for row in data["results"]]
    else:
        page = response.context["page_obj"]
        total, codes = page.paginator.count, [p.jurisdiction_code for p in page.object_list]
    if total != expected:
        raise BenchError(f"{target}: the page counts {total} rows in scope, there are {expected}")
    if len(codes) != min(PAGE_SIZE, expected):
        raise BenchError(f"{target}: the page holds {len(codes)} rows, expected "
                         f"{min(PAGE_SIZE, expected)}")
    outside = [c for c in codes if not c.startswith(scope_code)]
    if outside:
        raise BenchError(f"{target}: rows outside {scope_code} on the page: {outside[:3]}")
    return expected, len(codes)


def count_queries(client, url: str) -> tuple[int, list[dict[str, str]]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(captured), list(captured.captured_queries)


def time_requests(targets: dict[str, tuple], requests: int, warmup: int
                  ) -> dict[str, list[float]]:
    """Wall-clock ms of each request; the targets take turns, so a burst of load elsewhere on
    the machine hits them alike instead of skewing one."""
    for _ in range(warmup):
        for client, url in targets.values():
            client.get(url)
    gc.collect()
    times: dict[str, list[float]] = {target: [] for target in targets}
    for _ in range(requests):
        for target, (client, url) in targets.items():
            started = time.perf_counter()
            response = client.get(url)
            times[target].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise BenchError(f"{target}: {url} answered {response.status_code} while timing")
    return times


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join("    " + " ".join(str(v) for v in row) for row in cursor.fetchall())


def measure_size(clients: dict, size: int, args) -> dict[str, dict[str, Any]]:
    from django.urls import reverse

    results: dict[str, dict[str, Any]] = {}
    checked: dict[str, tuple] = {}
    explained: set[str] = set()  # the page and the API run the same place queries
    for target, (user_key, url_name) in TARGETS.items():
        client, url = clients[user_key], reverse(url_name)
        try:
            in_scope, rows = check_response(target, client, url, SCOPE_CODES[user_key])
            queries, sql = count_queries(client, url)
        except Exception as exc:  # noqa: BLE001 - one broken target must not hide the others
            say(f"  {target:15s} ERROR {type(exc).__name__}: {exc}")
            results[target] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        checked[target] = (client, url)
        results[target] = {"queries": queries, "in_scope": in_scope, "rows": rows}
        if args.verbose:
            say(f"  {target} at {size:,} rows:")
            for query in sql:
                say(f"      [{query['time']} s] {query['sql']}")
        if args.explain and size == args.sizes[-1]:
            for query in sql:
                if 'FROM "areas_place"' in query["sql"] and query["sql"] not in explained:
                    explained.add(query["sql"])
                    say(f"    plan of: {query['sql'][:200]} ...")
                    say(explain(query["sql"]))
    if checked:
        times = time_requests(checked, args.requests, args.warmup)
        for target, values in times.items():
            result = results[target]
            result["p50_ms"] = round(statistics.median(values), 2)
            result["p95_ms"] = round(percentile(values, 95), 2)
            say(f"  {target:15s} p50 {result['p50_ms']:7.2f} ms  p95 {result['p95_ms']:7.2f} ms  "
                f"{result['queries']} queries  {result['rows']} rows of {result['in_scope']} "
                "in scope")
    return results


def worker(args) -> dict[str, Any]:
    django_setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    communities = divisions_setup()
    if communities != EXPECTED_COMMUNITIES:
        raise BenchError(f"{communities} communities loaded, expected {EXPECTED_COMMUNITIES}")
    users = users_setup()
    clients = {}
    for key, user in users.items():
        clients[key] = Client()
        clients[key].force_login(user)
    loader = PlaceLoader()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql"
                       else "SELECT 'SQLite ' || sqlite_version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    say(f"{version}: schema and {communities} communities in "
        f"{time.perf_counter() - started:.1f} s")

    by_size, load_seconds, loadavg = [], [], []
    for size in args.sizes:
        seconds = loader.grow_to(size)
        load_seconds.append(round(seconds, 1))
        say(f"{size:,} places ({seconds:.1f} s to load); {args.requests} requests per target")
        loadavg.append(round(os.getloadavg()[0], 2))
        by_size.append(measure_size(clients, size, args))

    out: dict[str, Any] = {"database": version, "load_seconds": load_seconds,
                           "loadavg": loadavg}
    small, large = by_size[0], by_size[-1]
    for target in TARGETS:
        s, g = small[target], large[target]
        if "error" in s or "error" in g:
            out[target] = {"error": s.get("error") or g.get("error")}
            continue
        out[target] = {
            "p50_ms_small": s["p50_ms"], "p50_ms_large": g["p50_ms"],
            "p95_ms_small": s["p95_ms"], "p95_ms_large": g["p95_ms"],
            "ratio": round(g["p95_ms"] / s["p95_ms"], 2),
            "queries_small": s["queries"], "queries_large": g["queries"],
            "in_scope_small": s["in_scope"], "in_scope_large": g["in_scope"],
            "rows_small": s["rows"], "rows_large": g["rows"],
        }
    return out


# --- the driver: one subprocess per backend, one JSON line at the end -----------------------


def postgres_admin(url: str, statement: str) -> None:
    """Run a statement on the cluster's `postgres` database (CREATE/DROP DATABASE)."""
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def run_backend(backend: str, args) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="frontline.settings", FRONTLINE_ENV="local",
               FRONTLINE_REQUIRE_2FA="false", DEBUG="false", LOG_LEVEL="WARNING",
               PYTHONPATH=str(SRC_DIR))
    var_dir = None
    db_name = args.pg_url.rsplit("/", 1)[1]
    if backend == "sqlite":
        var_dir = tempfile.mkdtemp(prefix="frontline-bench-scope-")
        (Path(var_dir) / "static").mkdir()  # STATIC_ROOT; WhiteNoise warns when it is missing
        env["FRONTLINE_VAR_DIR"] = var_dir
    else:
        try:
            postgres_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{db_name}"')
            postgres_admin(args.pg_url, f"CREATE DATABASE \"{db_name}\" TEMPLATE template0 "
                                        "ENCODING 'UTF8'")
        except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
            return {"error": f"PostgreSQL unreachable at {args.pg_url}: "
                             f"{type(exc).__name__}: {exc}".strip()}
        env["DATABASE_URL"] = args.pg_url
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", backend,
               "--sizes", ",".join(map(str, args.sizes)), "--requests", str(args.requests),
               "--warmup", str(args.warmup)]
    command += ["--verbose"] * args.verbose + ["--explain"] * args.explain
    last = ""
    try:
        with subprocess.Popen(command, env=env, cwd=PROJECT_DIR, stdout=subprocess.PIPE,
                              text=True) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                line = line.rstrip("\n")
                if line.startswith("{"):
                    last = line
                else:
                    say(f"[{backend}] {line}")
            returncode = proc.wait(timeout=WORKER_TIMEOUT)
    finally:
        if var_dir:
            shutil.rmtree(var_dir, ignore_errors=True)
        if backend == "postgresql":
            try:
                postgres_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{db_name}"')
            except Exception as exc:  # noqa: BLE001 - report, the figures still stand
                say(f"[{backend}] could not drop {db_name}: {exc}")
    if not last:
        return {"error": f"the {backend} worker exited with {returncode} (see stderr)"}
    return json.loads(last)


def goal_met(results: dict[str, dict[str, Any]]) -> bool:
    """True only when every backend asked for ran and met the goal on every target."""
    for result in results.values():
        if "error" in result:
            return False
        for target in TARGETS:
            t = result[target]
            if "error" in t or t["ratio"] > GOAL_RATIO or t["queries_small"] != t["queries_large"]:
                return False
    return True


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{SMALL:,} and {QUICK_LARGE:,} rows, {QUICK_REQUESTS} requests")
    parser.add_argument("--backends", default=",".join(BACKENDS),
                        help="comma-separated: sqlite,postgresql (default both)")
    parser.add_argument("--requests", type=int, help="timed requests per target and size")
    parser.add_argument("--warmup", type=int, help="untimed requests before timing")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help="PostgreSQL database to create, use and drop")
    parser.add_argument("--verbose", action="store_true", help="print the SQL of each target")
    parser.add_argument("--explain", action="store_true",
                        help="print the plans of the place queries at the large size")
    parser.add_argument("--worker", choices=BACKENDS, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - set(BACKENDS)
    if unknown or not args.backends:
        parser.error(f"unknown backends {sorted(unknown)}; choose from {', '.join(BACKENDS)}")
    if args.sizes:
        args.sizes = [int(s) for s in args.sizes.split(",")]
    else:
        args.sizes = [SMALL, QUICK_LARGE if args.quick else LARGE]
    if args.requests is None:
        args.requests = QUICK_REQUESTS if args.quick else REQUESTS
    if args.warmup is None:
        args.warmup = QUICK_WARMUP if args.quick else WARMUP
    if args.requests < 20:
        parser.error("--requests must be at least 20 for a 95th percentile")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        try:
            result = worker(args)
        except Exception as exc:
            traceback.print_exc()
            print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}, ensure_ascii=False),
                  flush=True)
            return 1
        print(json.dumps(result, ensure_ascii=False), flush=True)
        return 0

    started = time.perf_counter()
    out: dict[str, Any] = {"benchmark": "scope", "quick": args.quick, "sizes": args.sizes,
                           "requests": args.requests, "page_size": PAGE_SIZE}
    results = {}
    for backend in args.backends:
        backend_started = time.perf_counter()
        results[backend] = run_backend(backend, args)
        results[backend]["wall_seconds"] = round(time.perf_counter() - backend_started, 1)
        if "error" in results[backend]:
            say(f"[{backend}] ERROR {results[backend]['error']}")
    out.update(results)
    out["goal_ratio"] = GOAL_RATIO
    out["goal_met"] = goal_met(results)
    out["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                      "platform": platform.platform(),
                      "loadavg_1min": round(os.getloadavg()[0], 2)}
    out["date"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    out["wall_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
