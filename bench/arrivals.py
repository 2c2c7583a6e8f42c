"""Transfer-point benchmark: check-ins through the API and portal self-registrations, against a
real gunicorn + PostgreSQL, from a separate load process on loopback.

What it measures (database frontline_bench_arrivals, created and dropped here)
    setup       Dongcheng's divisions, a transfer point, an observation hotel, two sorting rules
                (one matching about a third of the arrivals), 20 registrars with API tokens.
    server      gunicorn (sync, 3 workers by default: cores + 1, as docs/operations.md
                advises behind a buffering proxy) serving the real WSGI
                application with a settings module written by this script, which only (1)
                adds a bare endpoint `/bench/bare/` that inserts one row into a table of its
                own, behind the same DRF authentication,
                throttles and middleware, and (2) lifts the portal's per-address rate limit,
                since all load comes from one loopback address. The product has no such
                endpoint and keeps its limit.
    load        a separate process (this script with --load), 20 threads with keep-alive
                connections, each phase bounded in time:
            bare            20 registrars POST /bench/bare/                    -> bare_per_s
            check-ins       20 registrars POST /api/v1/arrivals/ with check_in=true (register,
                            sort by the rules, create the Person with an encrypted passport,
                            audit) for 60 s (10 s with --quick)   -> checkins_per_s, p99_ms
            portal          20 travellers POST the portal form (CSRF, honeypot, signed form
                            time, validation, pre-registration)                -> portal_per_s
                            (each opens the form first; the timed phase starts once the
                            form's minimum typing time has passed)
    counted     afterwards, in the database: every acknowledged check-in must exist and be
                checked in (`lost`), and no document may be registered twice on a day nor
                belong to two people (`duplicated`).

    The JSON object on the last line of stdout is the result; goals: checkins_per_s >= 200,
    p99_ms <= 250, errors = lost = duplicated = 0, portal_per_s >= 100.

Usage
    .venv/bin/python bench/arrivals.py [--quick] [--pg-url URL] [--keep] [--seconds N]
        [--workers N] [--threads N] [--worker-class sync|gthread]
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
SRC_DIR = PROJECT_DIR / "src"
DIVISIONS_FILE = PROJECT_DIR / "data" / "beijing-divisions.csv"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/frontline_bench_arrivals"
DISTRICT = "110101"
CLIENTS = 20
SECONDS, QUICK_SECONDS = 60, 10
GOALS = {"checkins_per_s": 200, "p99_ms": 250, "portal_per_s": 100}
NATIONALITIES = ["IT", "FR", "DE", "GB", "US", "JP", "KR", "RU", "ES", "PT", "IR", "EG", "BR"]

SETTINGS_MODULE = '''"""Benchmark-only settings: the product's plus a bare endpoint (bench/arrivals.py)."""
from frontline.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench_arrivals_urls"
PORTAL_RATE_LIMIT = 0  # all load comes from one loopback address
'''
URLS_MODULE = '''"""Benchmark-only URLs: the product's, plus /bench/bare/ (one row into bench_bare)."""
from django.db import connection
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from frontline.urls import urlpatterns as product_urlpatterns


class BareInsert(APIView):
    """The same authentication, throttles and middleware as the API; one INSERT."""

    def post(self, request):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_bare (user_id, at) VALUES (%s, now()) RETURNING id",
                           [request.user.pk])
            row = cursor.fetchone()
        return Response({"id": row[0]}, status=201)


urlpatterns = [path("bench/bare/", BareInsert.as_view()), *product_urlpatterns]
'''


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# -- the database and the server ------------------------------------------------------------

def postgres_admin(url: str, statement: str) -> None:
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def database_create(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    postgres_admin(url, f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
                        "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")


def environment(url: str, var_dir: str, module_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench_arrivals_settings", DATABASE_URL=url,
        FRONTLINE_ENV="local", FRONTLINE_VAR_DIR=var_dir, DEBUG="false", LOG_LEVEL="WARNING",
        MEDIA_ROOT=str(Path(var_dir) / "media"), FRONTLINE_REQUIRE_2FA="false",
        PYTHONPATH=os.pathsep.join([module_dir, str(SRC_DIR)]),
    )
    return env


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    for path in reversed(env["PYTHONPATH"].split(os.pathsep)):
        sys.path.insert(0, path)
    import django

    django.setup()


def data_setup() -> dict[str, Any]:
    """Dongcheng's divisions, the transfer point, a hotel, rules, 20 registrars and tokens."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from frontline.accounts.models import User
    from frontline.accounts.services import role_grant_from_console, token_create
    from frontline.areas.models import Jurisdiction, Level, Place
    from frontline.areas.services import division_rows_parse, divisions_load
    from frontline.arrivals.services import rule_save

    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_bare (id bigserial PRIMARY KEY, user_id bigint, "
                       "at timestamptz NOT NULL)")
    Jurisdiction.objects.create(code="11", name="北京市", level=Level.CITY)
    rows = division_rows_parse(DIVISIONS_FILE.read_bytes())
    rows = [r for r in rows if r.code.startswith(DISTRICT) or r.code == "11"]
    divisions_load(actor=None, rows=rows)
    district = Jurisdiction.objects.get(code=DISTRICT)
    point = Place.objects.create(name="新国展分流点", name_en="Bench transfer point",
                                 kind="transfer_point", jurisdiction=district,
                                 jurisdiction_code=DISTRICT)
    hotel = Place.objects.create(name="基准观察酒店", kind="observation_hotel",
                                 jurisdiction=district, jurisdiction_code=DISTRICT)
    office = User.objects.create_user(username="bench-office")
    role_grant_from_console(user=office, role="district_staff", jurisdiction=district)
    today = timezone.localdate()
    rule_save(actor=office, jurisdiction=district, name="IT/IR/KR → hotel", priority=10,
              effective_from=today, countries=["IT", "IR", "KR"], disposition="centralised",
              hotel=hotel)
    rule_save(actor=office, jurisdiction=district, name="diplomats exempt", priority=5,
              effective_from=today, categories=["diplomat"], disposition="exempt")
    communities = list(Jurisdiction.objects.filter(level=Level.COMMUNITY,
                                                   code__startswith=DISTRICT)
                       .values_list("code", flat=True))
    tokens = []
    for i in range(CLIENTS):
        user = User.objects.create_user(username=f"bench-registrar-{i:02d}")
        role_grant_from_console(user=user, role="registrar", place=point)
        _token, key = token_create(actor=user, name="bench")
        tokens.append(key)
    return {"tokens": tokens, "communities": communities}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_start(env: dict[str, str], port: int, workers: int, threads: int,
                 worker_class: str) -> subprocess.Popen:
    command = [str(PROJECT_DIR / ".venv" / "bin" / "gunicorn"), "frontline.wsgi:application",
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class",
               worker_class, "--threads", str(threads), "--keep-alive", "5",
               "--backlog", "256", "--log-level", "warning", "--timeout", "60"]
    process = subprocess.Popen(command, env=env, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL,
                               stderr=sys.stderr, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/portal/en/")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


# -- the load process -------------------------------------------------------------------------

class Client:
    """One keep-alive HTTP connection."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        start = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2 or method != "GET":
                    raise
        elapsed = (time.perf_counter() - start) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data, elapsed


def _phase(name: str, seconds: float, worker) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    stop = time.monotonic() + seconds
    threads = [threading.Thread(target=lambda i=i: results.append(worker(i, stop)))
               for i in range(CLIENTS)]
    begin = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - begin
    latencies = [v for r in results for v in r["latencies"]]
    ok = sum(r["ok"] for r in results)
    merged = {"phase": name, "seconds": round(elapsed, 2), "ok": ok,
              "errors": sum(r["errors"] for r in results),
              "per_s": round(ok / elapsed, 1) if elapsed else 0.0,
              "p50_ms": round(percentile(latencies, 0.50), 1),
              "p99_ms": round(percentile(latencies, 0.99), 1),
              "ids": [i for r in results for i in r.get("ids", [])],
              "statuses": {}}
    for r in results:
        for status, n in r.get("statuses", {}).items():
            merged["statuses"][status] = merged["statuses"].get(status, 0) + n
    say(f"  {name}: {ok} in {elapsed:.1f}s = {merged['per_s']}/s, p50 {merged['p50_ms']} ms, "
        f"p99 {merged['p99_ms']} ms, errors {merged['errors']} {merged['statuses']}")
    return merged


def load(port: int, tokens: list[str], communities: list[str], seconds: float) -> dict[str, Any]:
    import random

    today = datetime.date.today().isoformat()  # noqa: DTZ011 - Beijing wall time, loopback

    def bare(i: int, stop: float) -> dict[str, Any]:
        client = Client(port)
        headers = {"Authorization": f"Token {tokens[i]}", "Content-Type": "application/json"}
        out = {"latencies": [], "ok": 0, "errors": 0, "statuses": {}}
        while time.monotonic() < stop:
            status, _data, ms = client.request("POST", "/bench/bare/", b"{}", headers)
            out["latencies"].append(ms)
            out["statuses"][status] = out["statuses"].get(status, 0) + 1
            if status == 201:
                out["ok"] += 1
            else:
                out["errors"] += 1
        return out

    def check_in(i: int, stop: float) -> dict[str, Any]:
        rng = random.Random(1000 + i)
        client = Client(port)
        headers = {"Authorization": f"Token {tokens[i]}", "Content-Type": "application/json"}
        out = {"latencies": [], "ok": 0, "errors": 0, "ids": [], "statuses": {}}
        n = 0
        while time.monotonic() < stop:
            n += 1
            nationality = rng.choice(NATIONALITIES)
            body = {
                "family_name": f"BENCH{i:02d}", "given_names": f"N{n}", "sex": "F",
                "birth_date": "1985-03-10", "nationality": nationality,
                "doc_type": "passport", "doc_number": f"B{i:02d}{n:07d}",
                "doc_country": nationality, "travel_mode": "flight", "carrier_number": "CA934",
                "travel_date": today, "seat": f"{rng.randint(1, 60)}A",
                "departure_country": nationality, "visited_countries": [nationality],
                "destination": rng.choice(communities), "destination_address": "1 Bench Lane",
                "phone": "+8613800138000", "temperature": "36.6", "language": "en",
                "check_in": True,
            }
            status, data, ms = client.request("POST", "/api/v1/arrivals/",
                                              json.dumps(body).encode(), headers)
            out["latencies"].append(ms)
            out["statuses"][status] = out["statuses"].get(status, 0) + 1
            if status == 201:
                out["ok"] += 1
                out["ids"].append(json.loads(data)["id"])
            else:
                out["errors"] += 1
                if out["errors"] <= 2:
                    say(f"    check-in {status}: {data[:300]!r}")
        return out

    def portal_open(i: int) -> tuple[Client, str, str, str]:
        """A traveller opens the form: its cookie, CSRF token, form time and transfer point."""
        client = Client(port)
        _status, page, _ms = client.request("GET", "/portal/en/register/")
        html = page.decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        ft = re.search(r'name="ft" value="([^"]+)"', html).group(1)
        point = re.search(r'name="transfer_point" value="(\d+)"', html).group(1)
        return client, csrf, ft, point

    opened: list[tuple[Client, str, str, str]] = []

    def portal(i: int, stop: float) -> dict[str, Any]:
        client, csrf, ft, point = opened[i]
        out = {"latencies": [], "ok": 0, "errors": 0, "statuses": {}}
        n = 0
        while time.monotonic() < stop:
            n += 1
            form = {"csrfmiddlewaretoken": csrf, "ft": ft, "transfer_point": point,
                    "travel_mode": "flight", "carrier_number": "LH720", "travel_date": today,
                    "seat": "12C", "departure_country": "DE", "visited_1": "DE",
                    "family_name": f"Portal{i:02d}", "given_names": f"N{n}", "sex": "M",
                    "birth_date": "1979-01-02", "nationality": "DE", "doc_type": "passport",
                    "doc_number": f"P{i:02d}{n:07d}", "doc_country": "DE",
                    "destination_address": "2 Bench Lane", "phone": "+4915112345678",
                    "temperature": "36.5", "commitment_signed": "on",
                    "sensitive_consent": "on", "website": ""}
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       "Referer": f"http://127.0.0.1:{port}/portal/en/register/"}
            status, _data, ms = client.request("POST", "/portal/en/register/",
                                               urllib.parse.urlencode(form).encode(), headers)
            out["latencies"].append(ms)
            out["statuses"][status] = out["statuses"].get(status, 0) + 1
            if status == 302:
                out["ok"] += 1
            else:
                out["errors"] += 1
        return out

    say(f"load: {CLIENTS} clients, {seconds:.0f} s per phase")
    bare_result = _phase("bare insert", min(seconds, 15), bare)
    checkins = _phase("check-ins", seconds, check_in)
    # Every traveller opens the form before the timed phase, which starts once the form's
    # minimum typing time has passed: the form refuses a post sooner than a person can type,
    # and counting that wait would count time in which nobody may post.
    opened.extend(portal_open(i) for i in range(CLIENTS))
    time.sleep(2.05)
    portal_result = _phase("portal", min(seconds, 20), portal)
    return {"bare": bare_result, "checkins": checkins, "portal": portal_result}


# -- counting afterwards ----------------------------------------------------------------------

def count(acknowledged: list[int]) -> dict[str, int]:
    from django.db.models import Count

    from frontline.arrivals.models import Arrival
    from frontline.people.models import IdentityDocument

    rows = dict(Arrival.objects.filter(  # scoped-ok: the benchmark counts everything
        pk__in=acknowledged).values_list("pk", "status"))
    lost = sum(1 for pk in acknowledged if rows.get(pk) not in ("checked_in",))
    twice_a_day = (Arrival.objects.exclude(doc_number_index="")  # scoped-ok
                   .values("doc_number_index", "travel_date").annotate(n=Count("id"))
                   .filter(n__gt=1).count())
    shared_documents = (IdentityDocument.objects.values("number_index")  # scoped-ok
                        .annotate(n=Count("person", distinct=True)).filter(n__gt=1).count())
    unacknowledged = Arrival.objects.filter(  # scoped-ok
        source="desk").exclude(pk__in=acknowledged).count()
    return {"lost": lost, "duplicated": twice_a_day + shared_documents,
            "rows_without_answer": unacknowledged,
            "arrivals": Arrival.objects.count(),  # scoped-ok
            "people_documents": IdentityDocument.objects.count()}  # scoped-ok


# -- the driver -------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s phases (under a minute)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker-class", default="sync", help="sync or gthread")
    parser.add_argument("--load", help=argparse.SUPPRESS)  # internal: the load process
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.load:
        spec = json.loads(args.load)
        print(json.dumps(load(spec["port"], spec["tokens"], spec["communities"],
                              spec["seconds"])))
        return 0
    seconds = args.seconds or (QUICK_SECONDS if args.quick else SECONDS)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-arrivals-") as tmp:
        module_dir = Path(tmp) / "modules"
        module_dir.mkdir()
        (module_dir / "bench_arrivals_settings.py").write_text(SETTINGS_MODULE)
        (module_dir / "bench_arrivals_urls.py").write_text(URLS_MODULE)
        var_dir = Path(tmp) / "var"
        (var_dir / "static").mkdir(parents=True)
        env = environment(args.pg_url, str(var_dir), str(module_dir))
        say(f"database {args.pg_url}")
        database_create(args.pg_url)
        server = None
        try:
            django_setup(env)
            data = data_setup()
            setup_seconds = time.monotonic() - started
            say(f"setup {setup_seconds:.1f}s; starting gunicorn {args.worker_class} "
                f"({args.workers} workers x {args.threads} threads)")
            from django.db import connections

            connections.close_all()
            port = free_port()
            server = server_start(env, port, args.workers, args.threads, args.worker_class)
            spec = json.dumps({"port": port, "tokens": data["tokens"],
                               "communities": data["communities"], "seconds": seconds})
            loader = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--load", spec],
                env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
                cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
            sys.stderr.write(loader.stderr)
            result = json.loads(loader.stdout.strip().splitlines()[-1])
        finally:
            if server is not None:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
        counted = count(result["checkins"]["ids"])
        from django.db import connections

        connections.close_all()
        if not args.keep:
            postgres_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{args.pg_url.rsplit("/", 1)[1]}" '
                                        "WITH (FORCE)")
    checkins, bare, portal = result["checkins"], result["bare"], result["portal"]
    summary = {
        "checkins_per_s": checkins["per_s"],
        "p99_ms": checkins["p99_ms"],
        "errors": checkins["errors"] + portal["errors"] + bare["errors"],
        "lost": counted["lost"],
        "duplicated": counted["duplicated"],
        "portal_per_s": portal["per_s"],
        "ratio_to_bare_insert": round(checkins["per_s"] / bare["per_s"], 3) if bare["per_s"]
        else None,
        "bare_insert_per_s": bare["per_s"],
        "checkins_p50_ms": checkins["p50_ms"],
        "checkins": checkins["ok"],
        "portal_p99_ms": portal["p99_ms"],
        "clients": CLIENTS, "phase_seconds": seconds,
        "server": f"gunicorn {args.worker_class} {args.workers}x{args.threads}",
        "rows_without_answer": counted["rows_without_answer"],
        "goals": GOALS,
        "total_seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
