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

    The table is filled to the small size (10,000 rows), the database is cloned, and the
    clone is grown to the large size (1,000,000 rows; 100,000 with --quick). The two
    databases are then timed in alternating blocks of requests (small, large, large, small,
    ...), and the targets take turns within a block, so that a burst of load elsewhere
    on the machine hits both sizes alike instead of skewing the ratio.

    Each backend runs in its own subprocess on fresh databases: SQLite in a temporary
    directory (FRONTLINE_VAR_DIR; the clone is made with VACUUM INTO) and PostgreSQL in the
    databases frontline_bench_scope and frontline_bench_scope_large (CREATE DATABASE ...
    TEMPLATE), created and dropped here. PostgreSQL gets a database-wide VACUUM ANALYZE
    after each load, as autovacuum would soon after, and a CHECKPOINT (SQLite a WAL
    checkpoint), so that flushing the load does not compete with the timed requests.

How to read it
    p50_ms_*, p95_ms_*   median and 95th percentile wall time of one request, in ms
                         (*_small at the small size, *_large at the large size)
    ratio                p95_ms_large / p95_ms_small; the goal is <= 1.5, meaning a list
                         costs about the same whatever the size of the whole table
    queries_*            SQL queries of one request; must be equal at both sizes
    in_scope_*, rows_*   rows in the user's scope and rows on the page; the first 100 rows
                         loaded go to the measured community and its street, so both
                         first pages hold 50 rows at both sizes, while the scope behind
                         them grows with the table (50 → ~183 rows for the community)
    p50_ms_large_same_rows, p95_ms_large_same_rows, ratio_same_rows
                         API targets only: the large size timed with ?page_size= set to the
                         rows of the small page, i.e. the cost of the table size alone
                         (ratio_same_rows = p95_ms_large_same_rows / p95_ms_small); it runs
                         among the heavier large-size pages, so it leans high if anything
    goal_met             every ratio <= goal_ratio and equal query counts, on every backend
                         asked for; a backend that could not run carries an "error" instead
                         and makes goal_met false (the goal was not shown there)
    loadavg              the machine's 1-minute load average before and after timing; a
                         busy machine inflates p95 (both sizes alike, thanks to the
                         alternation), so compare absolute figures only between quiet runs

    A p95 rests on few samples (the 10th slowest of 200; with --quick the 3rd of 40), so on a
    busy machine a ratio moves by a few tenths between runs; --quick is a smoke test of the
    whole path, the full run is the measurement.

    The JSON object on the last line of stdout is the result; the lines before it are for
    people.

Usage
    .venv/bin/python bench/scope.py [--quick] [--backends sqlite,postgresql]
        [--requests N] [--pg-url URL] [--verbose] [--explain]

    --quick runs 10,000 and 100,000 rows with fewer requests (35-50 s for both backends on
    a 2-CPU machine); --verbose prints every SQL statement of one request per target and size;
    --explain prints the query plans of the place queries at the large size
    (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite).
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
import threading
import time
import traceback
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
SRC_DIR = PROJECT_DIR / "src"
DIVISIONS_FILE = PROJECT_DIR / "data" / "beijing-divisions.csv"

BACKENDS = ("sqlite", "postgresql")
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/frontline_bench_scope"
LARGE_SUFFIX = "_large"  # the clone that is grown to the large size
SAME_ROWS = "_same_rows"  # the control of an API target at the large size

SMALL = 10_000
LARGE = 1_000_000
QUICK_LARGE = 100_000
REQUESTS, QUICK_REQUESTS = 200, 40
WARMUP, QUICK_WARMUP = 20, 3
BLOCK = 10  # rounds of all targets on one database before switching to the other
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


# --- the worker: one backend, two fresh databases, in its own process -----------------------


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
        # The issue measures each user's *first page of 50 rows* at both sizes. With an even
        # spread a community holds ~1 row at 10k, so the first 100 rows go to the measured
        # users' scope (50 to the community, 50 more over its street's other communities);
        # the rest are spread round-robin over all of Beijing's communities.
        street = [c for c in self.communities if c[1].startswith(SCOPE_CODES["street"])]
        home = [c for c in street if c[1] == SCOPE_CODES["community"]]
        others = [c for c in street if c[1] != SCOPE_CODES["community"]]
        self.focus = home * 50 + [others[i % len(others)] for i in range(50)]
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
            pk, code = self.focus[i] if i < len(self.focus) else communities[i % n]
            kind = kinds[rng.randrange(len(kinds))]
            row[slot["name"]] = f"{KIND_NAMES[kind]}{rng.randrange(1_000_000):06d}"
            row[slot["kind"]] = kind
            row[slot["jurisdiction"]] = pk
            row[slot["code"]] = code
            yield row

    def grow_to(self, total: int) -> float:
        """Append rows until the table holds `total`; the seconds it took."""
        from django.db import DatabaseError, transaction

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
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                # What autovacuum does a minute later: statistics for every table (the
                # division tree included, or the planner guesses its size) and the
                # visibility map. Then flush the load now rather than have the background
                # checkpoint compete with the timed requests.
                cursor.execute("VACUUM ANALYZE")
                try:
                    cursor.execute("CHECKPOINT")
                except DatabaseError as exc:  # needs superuser or pg_checkpoint
                    say(f"(no CHECKPOINT: {exc})".replace("\n", " "))
            else:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
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
    if response.status_code != 200:
        raise BenchError(f"{url} answered {response.status_code} while counting queries")
    return len(captured), list(captured.captured_queries)


def database_use(name: Any) -> None:
    """Point the default connection at another database of the same backend."""
    from django.db import connection

    if connection.settings_dict["NAME"] != name:
        connection.close()
        connection.settings_dict["NAME"] = name


def database_clone() -> Any:
    """Copy the current database (schema, divisions, users, sessions, places) and use the
    copy; returns the copy's name."""
    from django.db import connection

    if connection.vendor == "postgresql":
        name = f"{connection.settings_dict['NAME']}{LARGE_SUFFIX}"
        template = connection.settings_dict["NAME"]
        connection.close()  # CREATE DATABASE ... TEMPLATE needs the template unused
        postgres_admin(os.environ["DATABASE_URL"], f'DROP DATABASE IF EXISTS "{name}"')
        postgres_admin(os.environ["DATABASE_URL"],
                       f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    else:
        name = Path(connection.settings_dict["NAME"]).with_name(f"frontline{LARGE_SUFFIX}.sqlite3")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(name)])
    database_use(name)
    return name


def same_rows_check(target: str, client, small: dict[str, Any], large: dict[str, Any]
                    ) -> tuple[Any, str]:
    """The control of an API target: at the large size, as many rows as the small page held.

    With an even spread the scope grows with the table, so the large page renders more rows
    than the small one; `?page_size=` takes that difference out and leaves the cost of the
    table size alone (same queries, same rows, 100 times the table).
    """
    url = f"{large['url']}?page_size={small['rows']}"
    response = client.get(url)
    if response.status_code != 200:
        raise BenchError(f"{target}: {url} answered {response.status_code}")
    data = response.json()
    if data["count"] != large["in_scope"] or len(data["results"]) != small["rows"]:
        raise BenchError(f"{target}: {url} counts {data['count']} and holds "
                         f"{len(data['results'])} rows")
    return client, url


def time_requests(databases: dict[int, Any], targets: dict[int, dict[str, tuple]],
                  requests: int, warmup: int) -> dict[int, dict[str, list[float]]]:
    """Wall-clock ms of each request, by size and target (`targets[size][name]` is a
    (client, url) pair).

    The databases alternate in blocks of BLOCK rounds (small, large, large, small, ...) and
    the targets take turns within a round. After each switch one untimed round opens the
    new connection, so no timed request pays for connecting.
    """
    for size, name in databases.items():
        database_use(name)
        for _ in range(warmup):
            for client, url in targets[size].values():
                client.get(url)
    gc.collect()
    times = {size: {target: [] for target in targets[size]} for size in databases}
    order = list(databases)
    done = 0
    while done < requests:
        rounds = min(BLOCK, requests - done)
        for size in order:
            database_use(databases[size])
            for client, url in targets[size].values():
                client.get(url)
            for _ in range(rounds):
                for target, (client, url) in targets[size].items():
                    started = time.perf_counter()
                    response = client.get(url)
                    times[size][target].append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise BenchError(f"{target}: {url} answered {response.status_code} "
                                         f"at {size:,} rows")
        order.reverse()
        done += rounds
    return times


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join("    " + " ".join(str(v) for v in row) for row in cursor.fetchall())


def targets_check(clients: dict, size: int, args) -> dict[str, dict[str, Any]]:
    """Check every target on the current database and count its queries."""
    from django.urls import reverse

    results: dict[str, dict[str, Any]] = {}
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
        results[target] = {"url": url, "queries": queries, "in_scope": in_scope, "rows": rows}
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

    small, large = args.sizes
    databases, load_seconds = {}, []
    for size in (small, large):
        if databases:
            databases[size] = database_clone()
        else:
            databases[size] = connection.settings_dict["NAME"]
        seconds = loader.grow_to(size)
        load_seconds.append(round(seconds, 1))
        say(f"{size:,} places ({seconds:.1f} s to load)")

    checks = {}
    for size, name in databases.items():
        database_use(name)
        checks[size] = targets_check(clients, size, args)
    usable = [t for t in TARGETS if all("error" not in checks[size][t] for size in databases)]
    targets = {size: {t: (clients[TARGETS[t][0]], checks[size][t]["url"]) for t in usable}
               for size in databases}
    database_use(databases[large])
    for target in usable:
        if target.endswith("_api"):
            try:
                targets[large][f"{target}{SAME_ROWS}"] = same_rows_check(
                    target, clients[TARGETS[target][0]], checks[small][target],
                    checks[large][target])
            except BenchError as exc:  # the control is extra; the figures still stand
                say(f"  {target:15s} no same-rows control: {exc}")
    loadavg = [round(os.getloadavg()[0], 2)]
    say(f"timing {args.requests} requests per target and size, alternating the databases")
    times = time_requests(databases, targets, args.requests, args.warmup)
    loadavg.append(round(os.getloadavg()[0], 2))

    out: dict[str, Any] = {"database": version, "load_seconds": load_seconds,
                           "loadavg": loadavg}
    for target in TARGETS:
        if target not in usable:
            errors = [checks[size][target]["error"] for size in databases
                      if "error" in checks[size][target]]
            out[target] = {"error": errors[0]}
            continue
        s, g = checks[small][target], checks[large][target]
        p95_small = percentile(times[small][target], 95)
        p95_large = percentile(times[large][target], 95)
        out[target] = {
            "p50_ms_small": round(statistics.median(times[small][target]), 2),
            "p50_ms_large": round(statistics.median(times[large][target]), 2),
            "p95_ms_small": round(p95_small, 2), "p95_ms_large": round(p95_large, 2),
            "ratio": round(p95_large / p95_small, 2),
            "queries_small": s["queries"], "queries_large": g["queries"],
            "in_scope_small": s["in_scope"], "in_scope_large": g["in_scope"],
            "rows_small": s["rows"], "rows_large": g["rows"],
        }
        control = times[large].get(f"{target}{SAME_ROWS}")
        if control:
            out[target]["p50_ms_large_same_rows"] = round(statistics.median(control), 2)
            out[target]["p95_ms_large_same_rows"] = round(percentile(control, 95), 2)
            out[target]["ratio_same_rows"] = round(percentile(control, 95) / p95_small, 2)
    for size in databases:
        say(f"{size:,} places:")
        for target in TARGETS:
            r = out[target]
            if "error" in r:
                say(f"  {target:15s} ERROR {r['error']}")
                continue
            key = "small" if size == small else "large"
            say(f"  {target:15s} p50 {r[f'p50_ms_{key}']:7.2f} ms  "
                f"p95 {r[f'p95_ms_{key}']:7.2f} ms  {r[f'queries_{key}']} queries  "
                f"{r[f'rows_{key}']} rows of {r[f'in_scope_{key}']} in scope")
            if key == "large" and "p95_ms_large_same_rows" in r:
                say(f"  {target:15s} p50 {r['p50_ms_large_same_rows']:7.2f} ms  "
                    f"p95 {r['p95_ms_large_same_rows']:7.2f} ms  with ?page_size="
                    f"{r['rows_small']}, the rows of the small page")
    return out


# --- the driver: one subprocess per backend, one JSON line at the end -----------------------


def postgres_admin(url: str, statement: str) -> None:
    """Run a statement on the cluster's `postgres` database (CREATE/DROP DATABASE)."""
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def databases_drop(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    for db in (name, f"{name}{LARGE_SUFFIX}"):
        postgres_admin(url, f'DROP DATABASE IF EXISTS "{db}"')


def run_backend(backend: str, args) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="frontline.settings", FRONTLINE_ENV="local",
               FRONTLINE_REQUIRE_2FA="false", DEBUG="false", LOG_LEVEL="WARNING",
               PYTHONPATH=str(SRC_DIR))
    db_name = args.pg_url.rsplit("/", 1)[1]
    if backend == "postgresql":
        try:
            databases_drop(args.pg_url)
            postgres_admin(args.pg_url, f"CREATE DATABASE \"{db_name}\" TEMPLATE template0 "
                                        "ENCODING 'UTF8'")
        except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
            return {"error": f"PostgreSQL unreachable at {args.pg_url}: "
                             f"{type(exc).__name__}: {exc}".strip()}
        env["DATABASE_URL"] = args.pg_url
    # Nothing goes to the checkout's ./var: SQLite databases, media and STATIC_ROOT (which
    # WhiteNoise warns about when it is missing) live in a temporary directory.
    var_dir = tempfile.mkdtemp(prefix="frontline-bench-scope-")
    (Path(var_dir) / "static").mkdir()
    env["FRONTLINE_VAR_DIR"] = var_dir
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", backend,
               "--sizes", ",".join(map(str, args.sizes)), "--requests", str(args.requests),
               "--warmup", str(args.warmup)]
    command += ["--verbose"] * args.verbose + ["--explain"] * args.explain
    last = ""
    try:
        with subprocess.Popen(command, env=env, cwd=PROJECT_DIR, stdout=subprocess.PIPE,
                              text=True) as proc:
            watchdog = threading.Timer(WORKER_TIMEOUT, proc.kill)
            watchdog.start()
            try:
                assert proc.stdout is not None
                for line in proc.stdout:
                    line = line.rstrip("\n")
                    if line.startswith("{"):
                        last = line
                    else:
                        say(f"[{backend}] {line}")
                returncode = proc.wait()
            finally:
                watchdog.cancel()
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
        if backend == "postgresql":
            try:
                databases_drop(args.pg_url)
            except Exception as exc:  # noqa: BLE001 - report, the figures still stand
                say(f"[{backend}] could not drop {db_name}: {exc}")
    if not last:
        return {"error": f"the {backend} worker exited with {returncode} (see stderr)"}
    return json.loads(last)


def summary(results: dict[str, dict[str, Any]]) -> None:
    """The ratios at a glance, for people."""
    say(f"p95 ratio large/small (goal <= {GOAL_RATIO}); in brackets with the rows of the "
        "small page:")
    for backend, result in results.items():
        if "error" in result:
            say(f"  {backend:10s} ERROR {result['error']}")
            continue
        cells = []
        for target in TARGETS:
            t = result[target]
            if "error" in t:
                cells.append(f"{target} ERROR")
                continue
            cell = f"{target} {t['ratio']:.2f}"
            if "ratio_same_rows" in t:
                cell += f" ({t['ratio_same_rows']:.2f})"
            if t["queries_small"] != t["queries_large"]:
                cell += f" queries {t['queries_small']}->{t['queries_large']}"
            cells.append(cell)
        say(f"  {backend:10s} " + ", ".join(cells))


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
        if len(args.sizes) != 2 or not 0 < args.sizes[0] < args.sizes[1]:
            parser.error("--sizes takes a small and a large size")
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
    summary(results)
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
