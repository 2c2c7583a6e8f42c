"""City-scale load: the whole of Beijing (16 districts, 7,535 communities, 1M people) on
PostgreSQL, several web processes and two task workers, under a mixed load of desk check-ins,
health checks, list pages and dashboards from a separate process on loopback.

The database (PostgreSQL `frontline_city`; built once, then reused)
    Built when it is missing, incomplete (the counts of the last build are checked) or of
    another size; `--rebuild` forces it. A build whose bulk load finished but whose daily
    figures failed resumes there. The migrated empty schema is kept as the template database
    frontline_city_schema, so that the next build does not migrate from nothing (30-60 s
    here). Loaded with COPY (not through the services, for speed; indexes dropped during the
    load and made again after it), with every column the services fill; the generators of
    bench/reports.py (COPY, categories, the report definition and its history),
    bench/people.py (names) and bench/observation.py (check windows) are imported from
    those files.
        divisions     all of Beijing (data/beijing-divisions.csv) under the city "11"
        places        per district: a transfer point, 3 observation hotels (in 3 of its streets,
                      rooms of 2 beds, 10 % spare) and 2 lodging hotels
        users         2 city-office users; per district 2 district staff and 1 leader; 1 street
                      staff user per street, 1 community worker per community, 2 registrars
                      per transfer point, 2 duty staff per observation hotel (8,062 users at
                      full size), each with an API token; all share one password
        rules         per district: Italy, Iran, Korea -> centralised (its first hotel),
                      diplomats exempt; the city's risk countries IT, IR, KR
        people        N (1,000,000), synthetic names (a fifth with a Chinese name and its
                      two-character grams), a passport each (encrypted, blind-indexed,
                      masked), spread at random over the communities; categories as in
                      bench/reports.py; open lodging stays for half the hotel lodgers
        arrivals      N/5 in the last 60 days (received, checked in, registered) and 120 a
                      transfer point expected today (pre-registered or from a list)
        observations  N/10 active (60 % centralised in a hotel room of the district, 40 % at
                      home), started 0-13 days ago, 2 checks a day; every closed check window
                      has its check (about 1.4M at full size) except the latest one for 10 %
                      (the overdue list); 0.5 % fevers with their alert; N/500 ended today
        reports       a city-level daily-figures definition (every computation), today's
                      snapshot of every street and community (timed: snapshot_seconds) and
                      14 earlier runs; a coordination meeting with 20 action items a district
    On reuse, when the data were made on an earlier day, the dates of observations, checks,
    alerts, arrivals, stays, runs and meetings move forward to today (refresh_seconds, about
    a minute at full size), so that today's checks are due and today's snapshot exists.
    People's arrival dates stay. New migrations of the code are applied first. Today's
    daily-figure reminders are marked as sent before the servers start (at city size they
    are ~8,000 notifications at once: a scenario of its own; --with-reminders leaves them
    to the periodic process).

The servers (production settings: FRONTLINE_ENV=production, DEBUG off; plain loopback HTTP,
so no HTTPS redirect nor secure cookies; two-step login off, as in the other benchmarks)
    gunicorn gthread on 127.0.0.1:8601, --workers (2 x cores + 1) x --threads (4); two
    `manage.py db_worker` processes and one `manage.py periodic`, all on the same database
    with the database task backend. E-mail goes to Django's dummy backend (no SMTP server
    here); the local-memory cache (redis-py is not installed). Every process is stopped at
    the end, on an error and on Ctrl-C.

The load (this script with --load, a separate process; no Django in it)
    --clients (24) threads, each with a keep-alive connection, closed loop (no think time):
    each request is an operation drawn by weight, made as a user of the right role: API
    users with their token, page users with a session cookie. --sessions (6) users a page
    role, spread over districts; their sessions are made in the database beforehand as
    Django's login() makes them (through the login form, 18 users took 21 s on this loaded
    machine: argon2), except the city-office user's, who signs in through the login form (timed:
    load.logins.form_login_ms); every session is checked with one page before the clock:
        desk check-ins 25 %   checkin        POST /api/v1/arrivals/ check_in=true, a new
                                             traveller to a community of the registrar's
                                             district (registrars of all districts)
        health checks 35 %    check_hotel    POST /api/v1/health-checks/ by a hotel's duty
                                             staff for a guest's open slot (25)
                              check_home     the same by community workers for people at
                                             home (10)
        list pages 25 %       people_list    GET /people/ (street staff, community workers; a
                                             fifth of them page 2) (7)
                              people_search  GET /people/?q= a Latin name, two Chinese
                                             characters or a passport number (district
                                             staff) (6)
                              hotel_worklist GET /observation/hotels/<id>/ (duty staff) (4)
                              overdue_list   GET /observation/overdue/ (street staff) (4)
                              desk_page      GET /arrivals/desk/ (registrars) (4)
        dashboards 15 %       reports_dashboard  GET /reports/dashboard/ (district staff and
                                             leaders) (8)
                              observation_board  GET /observation/ (district staff) (5)
                              city_dashboard GET /reports/dashboard/ (city office) (2)
        background            bell           GET /notify/bell/ after every page (htmx loads it
                                             with each page); not part of the mix
    A warm-up (--warmup, 15 s; 3 s with --quick) runs first and is not counted. Errors: any
    status outside 2xx/3xx and any exception, by status; "unexpected" counts a 2xx/3xx that
    is not what the operation answers (e.g. a page redirected to the login).
    Afterwards, in the database: every acknowledged check-in and health check must exist
    (lost), and the background tasks enqueued during the run are counted by status, with
    their wait before a worker took them.

Usage
    .venv/bin/python bench/city.py [--quick] [--duration S] [--clients C] [--workers W]
        [--threads T] [--warmup S] [--sessions K] [--no-bell] [--with-reminders] [--rebuild]
        [--build-only] [--persons N] [--districts CODE,CODE] [--db NAME] [--port P]
    --quick runs 20 s on frontline_city when it is built and complete; otherwise on
    frontline_city_quick: Dongcheng and Xicheng, 50,000 people (built on first use, then
    reused: about 2 minutes the very first time, of which migrating is most; 20-30 s once the
    schema is kept). --build-only builds (or brings to today) the database and stops: build
    frontline_city with it before a full run, so that the run's figures stand alone.

    Per operation: requests, throughput, p50/p95/p99/max ms, errors; then by category and
    overall. The JSON object on the last line of stdout holds every figure, the build, the
    machine (cores, RAM, PostgreSQL) and the date; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import base64
import collections
import contextlib
import datetime
import hashlib
import hmac
import http.client
import importlib.util
import itertools
import json
import math
import os
import platform
import random
import re
import secrets
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
BENCH_DIR = PROJECT_DIR / "bench"
SRC_DIR = PROJECT_DIR / "src"
DIVISIONS_FILE = PROJECT_DIR / "data" / "beijing-divisions.csv"
PG_SERVER = os.environ.get("BENCH_CITY_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
FULL_DB, SMALL_DB = "frontline_city", "frontline_city_quick"
SCHEMA_DB = "frontline_city_schema"  # the migrated empty schema, template of the next build
CITY = "11"
PORT = 8601
SEED = 20200315
FULL_SIZE = {"districts": [], "persons": 1_000_000}  # [] = every district
SMALL_SIZE = {"districts": ["110101", "110102"], "persons": 50_000}
OBSERVED_SHARE = 0.10  # active observations per person
ENDED_SHARE = 0.002  # observations ended today per person
ARRIVALS_SHARE = 0.2  # arrivals of the last 60 days per person
WAITING_PER_POINT = 120  # arrivals expected at each transfer point today
CENTRALISED_SHARE, OVERDUE_SHARE, FEVER_SHARE = 0.6, 0.10, 0.005
OBSERVATION_DAYS, MAX_AGE_DAYS, CHECKS_PER_DAY = 14, 13, 2
HOTELS_PER_DISTRICT, LODGING_PER_DISTRICT, BEDS, ROOMS_PER_FLOOR = 3, 2, 2, 30
STAFF_PER_DISTRICT, REGISTRARS_PER_POINT, STAFF_PER_HOTEL, CITY_USERS = 2, 2, 2, 2
HISTORY_DAYS = 14
PASSWORD = "city-bench-Passw0rd-2020"
FIELD_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"frontline bench/city.py field encryption key").digest()).decode()
TOKEN_SECRET = b"frontline bench/city.py api tokens"
DURATION, QUICK_DURATION = 600.0, 20.0
WARMUP, QUICK_WARMUP = 15.0, 3.0
CLIENTS, THREADS = 24, 4
SESSIONS, QUICK_SESSIONS = 6, 3
HOTEL_KEYS_MAX, HOME_COMMUNITIES_MAX = 3000, 2000
ARRIVAL_NATIONALITIES = ["IT", "FR", "DE", "GB", "US", "JP", "KR", "RU", "ES", "PT", "IR", "EG",
                         "BR"]
RULE_COUNTRIES = ["IT", "IR", "KR"]

# name: (category, weight, what it is)
OPERATIONS: dict[str, tuple[str, float, str]] = {
    "checkin": ("desk check-ins", 25, "POST /api/v1/arrivals/ check_in=true (registrar token)"),
    "check_hotel": ("health checks", 25, "POST /api/v1/health-checks/ (hotel duty staff token)"),
    "check_home": ("health checks", 10, "POST /api/v1/health-checks/ (community worker token)"),
    "people_list": ("list pages", 7, "GET /people/ (street staff, community workers)"),
    "people_search": ("list pages", 6, "GET /people/?q=... (district staff)"),
    "hotel_worklist": ("list pages", 4, "GET /observation/hotels/<id>/ (hotel duty staff)"),
    "overdue_list": ("list pages", 4, "GET /observation/overdue/ (street staff)"),
    "desk_page": ("list pages", 4, "GET /arrivals/desk/ (registrars)"),
    "reports_dashboard": ("dashboards", 8, "GET /reports/dashboard/ (district staff, leaders)"),
    "observation_board": ("dashboards", 5, "GET /observation/ (district staff)"),
    "city_dashboard": ("dashboards", 2, "GET /reports/dashboard/ (city office)"),
}
BACKGROUND = {"bell": ("background", "GET /notify/bell/ after every page")}
CATEGORIES = ["desk check-ins", "health checks", "list pages", "dashboards", "background"]
PAGE_ROLES = ["street", "community", "district", "leader", "hotel", "registrar", "city"]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def load1() -> float:
    return round(os.getloadavg()[0], 2)


def bench_module(name: str):
    """Another benchmark of bench/ as a module (they import only the standard library at the
    top; Django is imported inside their functions)."""
    key = f"bench_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, BENCH_DIR / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


def token_key(username: str) -> str:
    """The API key of a bench user: derived from the name, so a reused database needs no
    list of keys (only their SHA-256 is stored, as for any token)."""
    digest = hmac.new(TOKEN_SECRET, username.encode(), hashlib.sha256).digest()
    return "fl_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def document_number(pk: int) -> str:
    return f"G{pk:08d}"


@contextlib.contextmanager
def timed_phase(phases: dict[str, float], name: str):
    started = time.perf_counter()
    say(f"{name} ...")
    yield
    phases[name] = round(time.perf_counter() - started, 1)
    say(f"{name}: {phases[name]} s (load average {load1()})")


# -- PostgreSQL without Django -----------------------------------------------------------------

def pg_url(name: str) -> str:
    return f"{PG_SERVER}/{name}"


def pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(pg_url("postgres"), autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def database_create(name: str) -> bool:
    """A new empty database: a copy of the migrated schema kept from an earlier build when
    there is one (True), otherwise from template0 (False)."""
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    try:
        pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{SCHEMA_DB}"')
        return True
    except Exception:  # noqa: BLE001 - no schema kept yet, or it is in use
        pg_admin(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
                 "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
        return False


def schema_keep(name: str) -> None:
    """Keep the just-migrated, still empty database as the template of the next build
    (migrating from nothing takes 30-60 s here)."""
    from django.db import connections

    connections.close_all()
    try:
        pg_admin(f'DROP DATABASE IF EXISTS "{SCHEMA_DB}" WITH (FORCE)')
        pg_admin(f'CREATE DATABASE "{SCHEMA_DB}" TEMPLATE "{name}"')
    except Exception as exc:  # noqa: BLE001 - only the next build is slower
        say(f"(the schema is not kept for the next build: {exc})")


COUNT_QUERIES = {
    "jurisdictions": "SELECT COUNT(*) FROM areas_jurisdiction",
    "users": "SELECT COUNT(*) FROM accounts_user",
    "persons": "SELECT COUNT(*) FROM people_person",
    "documents": "SELECT COUNT(*) FROM people_identitydocument",
    "arrivals": "SELECT COUNT(*) FROM arrivals_arrival",
    "rooms": "SELECT COUNT(*) FROM observation_room",
    "active_observations": "SELECT COUNT(*) FROM observation_observation WHERE status = 'active'",
    "checks": "SELECT COUNT(*) FROM observation_healthcheck",
    "report_runs": "SELECT COUNT(*) FROM reports_reportrun WHERE computed_at IS NOT NULL",
}
# Counts a load can only make larger; the others must equal the build's.
GROWING = {"persons", "documents", "arrivals", "checks", "report_runs"}


def database_state(name: str) -> tuple[dict[str, Any] | None, dict[str, int] | None]:
    """The build's record and today's counts, or (None, None) without a finished build."""
    import psycopg

    try:
        with psycopg.connect(pg_url(name), connect_timeout=5) as conn:
            row = conn.execute("SELECT data FROM bench_city_meta WHERE id = 1").fetchone()
            if row is None:
                return None, None
            counts = {key: conn.execute(sql).fetchone()[0] for key, sql in COUNT_QUERIES.items()}
            return row[0], counts
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return None, None


def database_complete(meta: dict[str, Any] | None, counts: dict[str, int] | None
                      ) -> tuple[bool, str]:
    if not meta or not counts:
        return False, "not built"
    if not meta.get("complete"):
        return False, "its build did not finish"
    for key, built in meta["counts"].items():
        now = counts.get(key)
        if now is None:
            continue
        if (now < built) if key in GROWING else (now != built):
            return False, f"{key}: {now}, the build made {built}"
    return True, "complete"


# -- Django in this process ----------------------------------------------------------------------

def environment(url: str, var_dir: Path) -> dict[str, str]:
    """What every process of the benchmark shares: the database, the encryption key."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECRET_KEY")}
    env.update(
        DJANGO_SETTINGS_MODULE="frontline.settings", DATABASE_URL=url,
        FRONTLINE_VAR_DIR=str(var_dir), MEDIA_ROOT=str(var_dir / "media"),
        STATIC_ROOT=str(var_dir / "static"), DEBUG="false", DJANGO_DEBUG="false",
        LOG_LEVEL="WARNING", FRONTLINE_REQUIRE_2FA="false", FIELD_ENCRYPTION_KEYS=FIELD_KEY,
        OBSERVATION_PURGE_AS="", EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        PYTHONPATH=str(SRC_DIR),
    )
    return env


def local_environment(env: dict[str, str]) -> dict[str, str]:
    """This process: local settings; the services it calls queue nothing."""
    return {**env, "FRONTLINE_ENV": "local",
            "TASK_BACKEND": "django_tasks.backends.dummy.DummyBackend"}


def server_environment(env: dict[str, str], secret: str) -> dict[str, str]:
    """The servers and workers: production settings and the database task backend, minus
    what plain loopback HTTP cannot have."""
    server = {k: v for k, v in env.items() if k != "TASK_BACKEND"}
    server.update(
        FRONTLINE_ENV="production", SECRET_KEY=secret,
        ALLOWED_HOSTS="127.0.0.1,localhost", SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false", SECURE_HSTS_SECONDS="0", SECURE_HSTS_PRELOAD="false",
        STATIC_MANIFEST="false",
    )
    return server


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    for path in (str(SRC_DIR),):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()


def migrations_pending() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def sql(statement: str, params: Any = None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def autocommit_sql(*statements: str) -> None:
    from django.db import connection

    old = connection.get_autocommit()
    connection.set_autocommit(True)
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.set_autocommit(old)


def indexes_drop(tables: list[str]) -> list[str]:
    """Drop every index and unique constraint of `tables` but the primary keys; the
    statements that make them again."""
    rows = sql("""
        SELECT t.relname, ic.relname, pg_get_indexdef(i.indexrelid), c.conname,
               pg_get_constraintdef(c.oid)
          FROM pg_index i
          JOIN pg_class t ON t.oid = i.indrelid
          JOIN pg_class ic ON ic.oid = i.indexrelid
          JOIN pg_namespace n ON n.oid = t.relnamespace
          LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = t.oid
         WHERE n.nspname = current_schema() AND t.relname = ANY(%s) AND NOT i.indisprimary
         ORDER BY t.relname, ic.relname""", [tables])
    restore = []
    for table, index, indexdef, constraint, constraintdef in rows:
        if constraint:
            sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{constraint}"')
            restore.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{constraint}" {constraintdef}')
        else:
            sql(f'DROP INDEX "{index}"')
            restore.append(indexdef)
    return restore


# -- building the city ---------------------------------------------------------------------------

def divisions_setup(districts: list[str]) -> dict[str, int]:
    from frontline.areas.models import Jurisdiction, Level
    from frontline.areas.services import division_rows_parse, divisions_load

    rows = division_rows_parse(DIVISIONS_FILE.read_bytes())
    if districts:
        rows = [r for r in rows if r.code[:6] in districts]
    Jurisdiction.objects.create(code=CITY, name="北京市", level=Level.CITY)
    report = divisions_load(actor=None, rows=rows)
    if report.rejected:
        raise RuntimeError(f"division rows rejected: {report.rejected[:3]}")
    return {level: Jurisdiction.objects.filter(level=level).count()
            for level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY)}


def places_and_users(now: datetime.datetime) -> dict[str, Any]:
    """Transfer points, hotels, users with their roles and tokens, sorting rules, risk
    countries; what the loaders need."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from frontline.accounts.models import ApiToken, RoleAssignment, User
    from frontline.accounts.services import TOKEN_PREFIX_LENGTH, hash_token
    from frontline.areas.models import Jurisdiction, Level, Place
    from frontline.arrivals.services import rule_save
    from frontline.people.services import risk_country_set

    city = Jurisdiction.objects.get(code=CITY)
    districts = list(Jurisdiction.objects.filter(level=Level.DISTRICT).order_by("code"))
    streets: dict[str, list[Jurisdiction]] = collections.defaultdict(list)
    for street in Jurisdiction.objects.filter(level=Level.STREET).order_by("code"):
        streets[street.code[:6]].append(street)
    communities = list(Jurisdiction.objects.filter(level=Level.COMMUNITY).order_by("code"))
    points, hotels, lodging = {}, {}, {}
    for d in districts:
        points[d.code] = Place.objects.create(
            name=f"{d.name}入境人员转运点", name_en=f"Transfer point {d.code}",
            kind="transfer_point", jurisdiction=d, jurisdiction_code=d.code)
        hotels[d.code] = []
        for k in range(HOTELS_PER_DISTRICT):
            street = streets[d.code][k % len(streets[d.code])]
            hotels[d.code].append(Place.objects.create(
                name=f"{d.name}集中观察酒店{k + 1}", name_en=f"Observation hotel {d.code}-{k + 1}",
                kind="observation_hotel", jurisdiction=street, jurisdiction_code=street.code,
                capacity=5000))
        lodging[d.code] = []
        for k in range(LODGING_PER_DISTRICT):
            street = streets[d.code][-1 - k % len(streets[d.code])]
            lodging[d.code].append(Place.objects.create(
                name=f"{d.name}涉外酒店{k + 1}", name_en=f"Lodging hotel {d.code}-{k + 1}",
                kind="lodging_hotel", jurisdiction=street, jurisdiction_code=street.code))

    # (username, role, jurisdiction, place, display name)
    plan: list[tuple[str, str, Any, Any, str]] = []
    for k in range(CITY_USERS):
        plan.append((f"city-office-{k + 1}", "city_office", city, None, f"市外办{k + 1}"))
    for d in districts:
        for k in range(STAFF_PER_DISTRICT):
            plan.append((f"city-district-{d.code}-{k + 1}", "district_staff", d, None,
                         f"{d.name}外办{k + 1}"))
        plan.append((f"city-leader-{d.code}", "district_leader", d, None, f"{d.name}领导"))
        for k in range(REGISTRARS_PER_POINT):
            plan.append((f"city-registrar-{d.code}-{k + 1}", "registrar", None, points[d.code],
                         f"{d.name}转运点登记员{k + 1}"))
        for hotel in hotels[d.code]:
            for k in range(STAFF_PER_HOTEL):
                plan.append((f"city-hotel-{hotel.pk}-{k + 1}", "hotel_staff", None, hotel,
                             f"{hotel.name}值班{k + 1}"))
        for street in streets[d.code]:
            plan.append((f"city-street-{street.code}", "street_staff", street, None,
                         f"{street.name}工作人员"))
    for community in communities:
        plan.append((f"city-community-{community.code}", "community_worker", community, None,
                     f"{community.name[:40]}社工"))
    hashed = make_password(PASSWORD)  # one (argon2) hash for everyone: hashing is slow
    users = User.objects.bulk_create(
        [User(username=u, password=hashed, display_name=name[:100], date_joined=now)
         for u, _r, _j, _p, name in plan], batch_size=2000)
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role=role, jurisdiction=j, place=p, granted_at=now,
                        scope_code=j.code if j is not None else p.jurisdiction_code)
         for user, (_u, role, j, p, _n) in zip(users, plan, strict=True)], batch_size=2000)
    tokens = []
    for user in users:
        key = token_key(user.username)
        tokens.append(ApiToken(user=user, name="bench/city.py",
                               prefix=key[:TOKEN_PREFIX_LENGTH + 3], key_hash=hash_token(key)))
    ApiToken.objects.bulk_create(tokens, batch_size=2000)

    by_name = {u.username: u for u in users}
    today = timezone.localdate(now)
    since = today - datetime.timedelta(days=90)  # in force whatever day the data move to
    city_user = by_name["city-office-1"]
    for country in RULE_COUNTRIES:
        risk_country_set(actor=city_user, country=country, jurisdiction=city,
                         effective_from=since, note="bench/city.py")
    for d in districts:
        actor = by_name[f"city-district-{d.code}-1"]
        rule_save(actor=actor, jurisdiction=d, name="IT/IR/KR → 集中观察", priority=10,
                  effective_from=since, countries=RULE_COUNTRIES, disposition="centralised",
                  hotel=hotels[d.code][0])
        rule_save(actor=actor, jurisdiction=d, name="外交人员免于观察", priority=5,
                  effective_from=since, categories=["diplomat"], disposition="exempt")
    return {
        "city": city, "city_user": city_user, "districts": districts,
        "district_users": {d.code: by_name[f"city-district-{d.code}-1"] for d in districts},
        "communities": [(c.pk, c.code) for c in communities],
        "points": {code: p.pk for code, p in points.items()},
        "hotels": {code: [h.pk for h in hs] for code, hs in hotels.items()},
        "hotel_codes": {h.pk: h.jurisdiction_code for hs in hotels.values() for h in hs},
        "lodging": {code: [h.pk for h in hs] for code, hs in lodging.items()},
        "users": len(users),
    }


def people_load(setup: dict[str, Any], n: int, now: datetime.datetime) -> dict[str, Any]:
    """People, passports, name grams, categories and open lodging stays, by COPY."""
    from django.db import transaction
    from django.utils import timezone

    from frontline.core import crypto
    from frontline.people import names
    from frontline.people.models import (
        IdentityDocument,
        LodgingStay,
        Person,
        PersonCategory,
        PersonNameGram,
    )
    from frontline.people.services import DOCUMENT_PURPOSE

    reports, people = bench_module("reports"), bench_module("people")
    gen = people.People(SEED)
    rng = gen.rng
    today = timezone.localdate(now)
    day = datetime.timedelta(days=1)
    communities = setup["communities"]
    n_comm = len(communities)
    residence = [rng.randrange(n_comm) for _ in range(n)]
    nationality: list[str] = [""] * n
    zh_names: dict[int, str] = {}
    loaded: dict[str, int] = {}
    started = time.perf_counter()

    def person_rows():
        rand, randrange, choice = rng.random, rng.randrange, rng.choice
        for i in range(n):
            community_pk, code = communities[residence[i]]
            family, given = gen.family(), choice(people.GIVEN)
            zh = gen.zh() if rand() < 0.2 else ""
            if zh:
                zh_names[i] = zh
            nat = nationality[i] = choice(reports.NATIONALITIES)
            x = rand()
            arrived = (today - randrange(30) * day if x < 0.35 else
                       today - (30 + randrange(700)) * day if x < 0.75 else None)
            yield (i + 1, family, given, zh, choice("MF"), gen.birth(), nat, community_pk, code,
                   arrived, names.name_key(family, given),
                   names.search_text(family, given, "", zh))
            if (i + 1) % 250_000 == 0:
                say(f"  people: {i + 1} in {time.perf_counter() - started:.0f} s")

    with transaction.atomic():
        loaded["persons"] = reports.Copier(
            Person, ("id", "family_name", "given_names", "name_zh", "sex", "birth_date",
                     "nationality", "residence_id", "jurisdiction_code", "arrived_on",
                     "name_key", "search_text"),
            nationality="DE", created_at=now, updated_at=now).copy(person_rows())

    def document_rows():
        encrypt, blind, mask = crypto.encrypt, crypto.blind_index, crypto.mask
        for i in range(n):
            number = document_number(i + 1)
            yield (i + 1, i + 1, communities[residence[i]][1], encrypt(number),
                   blind(number, purpose=DOCUMENT_PURPOSE), mask(number), nationality[i])

    def gram_rows():
        pk = 0
        for i, zh in sorted(zh_names.items()):
            for gram in sorted(names.cjk_grams(zh)):
                pk += 1
                yield (pk, i + 1, gram)

    lodgers: list[int] = []

    def category_rows():
        pk = 0
        for i in range(n):
            first = reports.pick_category(rng)
            cats = [first]
            if rng.random() < 0.05:
                second = reports.pick_category(rng)
                if second != first:
                    cats.append(second)
            for category in cats:
                pk += 1
                yield (pk, i + 1, category)
            if "hotel_lodger" in cats and rng.random() < 0.5:
                lodgers.append(i)

    def stay_rows():
        for k, i in enumerate(lodgers):
            code = communities[residence[i]][1]
            yield (k + 1, i + 1, rng.choice(setup["lodging"][code[:6]]), code,
                   f"{rng.randint(2, 20)}{k % 40 + 1:02d}",
                   now - datetime.timedelta(hours=rng.randrange(1, 240)))

    with transaction.atomic():
        loaded["documents"] = reports.Copier(
            IdentityDocument, ("id", "person_id", "jurisdiction_code", "number_encrypted",
                               "number_index", "number_masked", "issuing_country"),
            doc_type="passport", created_at=now).copy(document_rows())
        loaded["name_grams"] = reports.Copier(
            PersonNameGram, ("id", "person_id", "gram")).copy(gram_rows())
        loaded["categories"] = reports.Copier(
            PersonCategory, ("id", "person_id", "category")).copy(category_rows())
        loaded["stays"] = reports.Copier(
            LodgingStay, ("id", "person_id", "place_id", "jurisdiction_code", "room",
                          "check_in"), source="bench", check_in=now).copy(stay_rows())
    say(f"  {loaded} in {time.perf_counter() - started:.0f} s")
    return {"loaded": loaded, "residence": residence}


def arrivals_load(setup: dict[str, Any], n_persons: int, now: datetime.datetime) -> int:
    """Arrivals of the last 60 days, and those expected at each transfer point today."""
    from django.db import transaction
    from django.utils import timezone

    from frontline.arrivals.models import Arrival

    reports = bench_module("reports")
    rng = random.Random(SEED + 2)
    today = timezone.localdate(now)
    communities = setup["communities"]
    by_district: dict[str, list[tuple[int, str]]] = collections.defaultdict(list)
    for community in communities:
        by_district[community[1][:6]].append(community)
    points = setup["points"]
    statuses = ["received"] * 6 + ["checked_in"] * 3 + ["registered"]
    history = int(n_persons * ARRIVALS_SHARE)

    def rows():
        randrange, choice = rng.randrange, rng.choice
        pk = 0
        for _ in range(history):
            pk += 1
            community_pk, code = communities[randrange(len(communities))]
            status, nat = choice(statuses), choice(reports.NATIONALITIES)
            point = points[code[:6]]
            yield (pk, f"B{pk:09d}", status, "desk", code, community_pk,
                   today - datetime.timedelta(days=1 + randrange(60)), "TESTARRIVAL",
                   f"A{pk:07d}", nat, nat if rng.random() < 0.7 else choice(reports.NATIONALITIES),
                   f"CA{randrange(1000, 9999)}", point, None if status == "received" else point)
        for district, point in sorted(points.items()):
            for _ in range(WAITING_PER_POINT):
                pk += 1
                community_pk, code = choice(by_district[district])
                nat = choice(ARRIVAL_NATIONALITIES)
                yield (pk, f"B{pk:09d}", choice(["registered", "registered", "expected"]),
                       choice(["portal", "import"]), code, community_pk, today, "TESTARRIVAL",
                       f"W{pk:07d}", nat, nat, f"CA{randrange(1000, 9999)}", point, point)

    with transaction.atomic():
        return reports.Copier(
            Arrival, ("id", "reference", "status", "source", "jurisdiction_code",
                      "destination_id", "travel_date", "family_name", "given_names",
                      "nationality", "departure_country", "carrier_number",
                      "transfer_point_id", "desk_place_id"),
            source="desk", transfer_point_id=points[min(points)], travel_date=today,
            created_at=now, updated_at=now).copy(rows())


def observations_load(setup: dict[str, Any], residence: list[int], now: datetime.datetime
                      ) -> dict[str, int]:
    """Rooms, active observations with the checks of every closed window (10 % without the
    latest), fevers with their alerts, and observations ended today, by COPY."""
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from frontline.observation import selectors, services
    from frontline.observation.models import (
        Alert,
        HealthCheck,
        Observation,
        Room,
        slot_ordinal,
    )

    reports, observation = bench_module("reports"), bench_module("observation")
    rng = random.Random(SEED + 3)
    today = timezone.localdate(now)
    day = datetime.timedelta(days=1)
    latest = selectors.latest_due_slot(now, CHECKS_PER_DAY)
    communities = setup["communities"]
    hotels = setup["hotels"]
    n = len(residence)
    n_obs, n_ended = int(n * OBSERVED_SHARE), int(n * ENDED_SHARE)
    started = time.perf_counter()

    plan: list[tuple] = []
    guests: dict[int, int] = collections.defaultdict(int)
    for i in range(n_obs):
        community_pk, code = communities[residence[i]]
        start = today - rng.randrange(MAX_AGE_DAYS + 1) * day
        hotel = bed = None
        if rng.random() < CENTRALISED_SHARE:
            hotel = rng.choice(hotels[code[:6]])
            bed = guests[hotel]
            guests[hotel] += 1
        windows = observation.closed_windows(start, latest, CHECKS_PER_DAY)
        if windows and windows[0] == latest and rng.random() < OVERDUE_SHARE:
            windows = windows[1:]
        plan.append((i + 1, community_pk, code, start, hotel, bed, windows))

    room_pk: dict[tuple[int, int], int] = {}
    room_rows = []
    for hotel, count in sorted(guests.items()):
        occupied = (count + BEDS - 1) // BEDS
        total = occupied + occupied // 10 + 1
        for r in range(total):
            floor = 2 + r // ROOMS_PER_FLOOR
            room_pk[(hotel, r)] = len(room_rows) + 1
            room_rows.append((len(room_rows) + 1, hotel, setup["hotel_codes"][hotel],
                              f"{floor}{r % ROOMS_PER_FLOOR + 1:02d}", floor,
                              "occupied" if r < occupied else "free"))

    def observation_rows():
        for pk, community_pk, code, start, hotel, bed, windows in plan:
            last = slot_ordinal(*windows[0]) if windows else 0
            yield (pk, pk, "centralised" if hotel else "home", community_pk, code, hotel,
                   room_pk[(hotel, bed // BEDS)] if hotel else None,
                   "" if hotel else f"Bench Lane {pk}", start, start + OBSERVATION_DAYS * day,
                   last, "active", None, None, "")
        for i in range(n_obs, min(n, n_obs + n_ended)):
            community_pk, code = communities[residence[i]]
            start = today - OBSERVATION_DAYS * day
            yield (i + 1, i + 1, "home", community_pk, code, None, None, f"Bench Lane {i + 1}",
                   start, today, slot_ordinal(today, 0), "completed", today, now,
                   "bench: ended")

    alerts: list[tuple] = []
    normal = [Decimal(t) / 10 for t in range(358, 373)]
    fevers = [Decimal(t) / 10 for t in range(373, 396)]
    deadlines: dict[tuple[datetime.date, int], datetime.datetime] = {}
    recent = today - day

    def check_rows():
        pk = 0
        rand, randrange = rng.random, rng.randrange
        for obs_pk, _community_pk, code, _start, hotel, _bed, windows in plan:
            for check_day, slot in windows:
                pk += 1
                deadline = deadlines.get((check_day, slot))
                if deadline is None:
                    deadline = deadlines[(check_day, slot)] = services.slot_deadline(
                        check_day, slot, CHECKS_PER_DAY)
                recorded = deadline - datetime.timedelta(minutes=randrange(20, 400))
                fever = rand() < FEVER_SHARE
                temperature = (fevers[randrange(len(fevers))] if fever
                               else normal[randrange(len(normal))])
                if fever:
                    alerts.append((len(alerts) + 1, obs_pk, pk, code, hotel, recorded,
                                   check_day >= recent))
                yield (pk, obs_pk, code, hotel, check_day, slot, temperature, recorded)

    def alert_rows():
        for pk, obs_pk, check_pk, code, hotel, at, is_open in alerts:
            closed = None if is_open else at + datetime.timedelta(hours=2)
            yield (pk, obs_pk, check_pk, code, hotel, "open" if is_open else "closed", at,
                   closed, closed, "" if is_open else "bench: retested, normal")

    loaded = {}
    with transaction.atomic():
        loaded["rooms"] = reports.Copier(
            Room, ("id", "hotel_id", "jurisdiction_code", "number", "floor", "status"),
            kind="double", beds=BEDS, updated_at=now).copy(room_rows)
        loaded["observations"] = reports.Copier(
            Observation, ("id", "person_id", "kind", "jurisdiction_id", "jurisdiction_code",
                          "hotel_id", "room_id", "address", "start_date", "end_date",
                          "last_check", "status", "ended_on", "closed_at", "end_reason"),
            kind="home", start_date=today, days=OBSERVATION_DAYS, end_date=today,
            checks_per_day=CHECKS_PER_DAY, source="bench", created_at=now,
            updated_at=now).copy(observation_rows())
        loaded["checks"] = reports.Copier(
            HealthCheck, ("id", "observation_id", "jurisdiction_code", "hotel_id", "day",
                          "slot", "temperature", "recorded_at"),
            day=today, slot=0, temperature=Decimal("36.5"), recorded_at=now,
            source="staff").copy(check_rows())
        loaded["alerts"] = reports.Copier(
            Alert, ("id", "observation_id", "check_record_id", "jurisdiction_code", "hotel_id",
                    "status", "created_at", "acknowledged_at", "closed_at", "note"),
            kind="fever", status="open", created_at=now).copy(alert_rows())
    loaded["active_observations"] = n_obs
    say(f"  {loaded} in {time.perf_counter() - started:.0f} s")
    return loaded


def reports_setup(setup: dict[str, Any]) -> dict[str, Any]:
    """The city's daily-figures definition, today's snapshot (timed), 14 earlier runs, and a
    meeting with action items in every district."""
    from django.utils import timezone

    from frontline.reports import services
    from frontline.reports.models import Submission

    reports = bench_module("reports")
    definition = reports.definition_setup({"city": setup["city_user"],
                                           "city_office": setup["city"]})
    started = time.perf_counter()
    run = services.run_snapshot(definition=definition, day=timezone.localdate())
    snapshot = time.perf_counter() - started
    units = Submission.objects.filter(run=run).count()  # scoped-ok: the bench counts
    say(f"  today's snapshot: {snapshot:.1f} s, {units} units")
    history = reports.history_make(definition, run, HISTORY_DAYS)
    for district in setup["districts"]:
        reports.meeting_setup({"district": setup["district_users"][district.code],
                               "district_office": district})
    return {"snapshot_seconds": round(snapshot, 1), **history}


def build(name: str, size: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Make the database from nothing; returns its record (also stored in bench_city_meta)."""
    from django.core.management import call_command
    from django.utils import timezone

    say(f"building {name}: {size['persons']} people, "
        f"{'districts ' + ','.join(size['districts']) if size['districts'] else 'all districts'}")
    copied = database_create(name)
    django_setup(local_environment(env))
    started = time.perf_counter()
    phases: dict[str, float] = {}
    with timed_phase(phases, "migrate"):
        pending = migrations_pending() if copied else ["all"]
        if copied:
            say(f"  from the schema kept by an earlier build; {len(pending)} new migrations")
        if pending:
            call_command("migrate", verbosity=0, interactive=False)
            schema_keep(name)
    sql("CREATE TABLE bench_city_meta (id integer PRIMARY KEY, data jsonb NOT NULL, "
        "updated_at timestamptz NOT NULL DEFAULT now())")
    sql("INSERT INTO bench_city_meta (id, data) VALUES (1, %s)",
        [json.dumps({"complete": False, "size": size})])
    now = timezone.now()
    with timed_phase(phases, "divisions, places, users"):
        levels = divisions_setup(size["districts"])
        setup = places_and_users(now)
    say(f"  {levels}, {setup['users']} users")
    big = ["people_person", "people_identitydocument", "people_personnamegram",
           "people_personcategory", "people_lodgingstay", "arrivals_arrival",
           "observation_observation", "observation_healthcheck", "observation_alert"]
    sql("SET synchronous_commit = off")
    sql("SET maintenance_work_mem = '1GB'")
    try:
        sql("SET session_replication_role = replica")  # no foreign-key triggers while loading
    except Exception as exc:  # noqa: BLE001 - needs a superuser; only slower without
        say(f"(foreign keys checked row by row: {exc})")
    restore = indexes_drop(big)
    with timed_phase(phases, "people"):
        people = people_load(setup, size["persons"], now)
    with timed_phase(phases, "arrivals"):
        arrivals = arrivals_load(setup, size["persons"], now)
    with timed_phase(phases, "observations and checks"):
        observed = observations_load(setup, people.pop("residence"), now)
    sql("SET session_replication_role = origin")
    with timed_phase(phases, "indexes"):
        for statement in restore:
            sql(statement)
    with timed_phase(phases, "vacuum analyze"):
        autocommit_sql("VACUUM ANALYZE")
    meta = {"complete": False, "stage": "loaded", "size": size, "levels": levels,
            "loaded": {**people["loaded"], "arrivals": arrivals, **observed},
            "phases": phases, "load_seconds": round(time.perf_counter() - started, 1),
            "data_date": timezone.localdate(now).isoformat()}
    meta_write(meta)
    return finish(name, meta)


def meta_write(meta: dict[str, Any]) -> None:
    sql("UPDATE bench_city_meta SET data = %s, updated_at = now() WHERE id = 1",
        [json.dumps(meta)])


def reports_context() -> dict[str, Any]:
    from frontline.accounts.models import User
    from frontline.areas.models import Jurisdiction, Level

    districts = list(Jurisdiction.objects.filter(level=Level.DISTRICT).order_by("code"))
    return {"city": Jurisdiction.objects.get(code=CITY),
            "city_user": User.objects.get(username="city-office-1"), "districts": districts,
            "district_users": {u.username.split("-")[2]: u for u in User.objects.filter(
                username__in=[f"city-district-{d.code}-1" for d in districts])}}


def finish(name: str, meta: dict[str, Any]) -> dict[str, Any]:
    """After the bulk load: the daily figures (in one transaction; a failed attempt leaves
    nothing, and a run of this script resumes here), then the build's record."""
    from django.db import connection, transaction

    started = time.perf_counter()
    phases = meta["phases"]
    tables = [r[0] for r in sql("SELECT tablename FROM pg_tables WHERE schemaname = "
                                "current_schema() AND tablename LIKE %s", ["reports\\_%"])]
    sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
    with timed_phase(phases, "reports"), transaction.atomic():
        figures = reports_setup(reports_context())
    autocommit_sql("ANALYZE")
    counts = dict(zip(COUNT_QUERIES, (sql(q)[0][0] for q in COUNT_QUERIES.values()),
                      strict=True))
    size_bytes = sql("SELECT pg_database_size(current_database())")[0][0]
    meta.update(
        complete=True, stage="complete", counts=counts,
        build_seconds=round(meta["load_seconds"] + time.perf_counter() - started, 1),
        snapshot_seconds=figures["snapshot_seconds"], database_bytes=size_bytes,
        built_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        machine=machine_info())
    meta_write(meta)
    connection.close()
    say(f"built {name} in {meta['build_seconds']} s, {size_bytes / 2**30:.2f} GiB: {counts}")
    return meta


def refresh(meta: dict[str, Any]) -> float:
    """Move the data made on an earlier day to today: observations, checks, alerts, arrivals,
    stays, daily-figure runs and meetings (people's arrival dates stay)."""
    from django.utils import timezone

    today = timezone.localdate()
    delta = (today - datetime.date.fromisoformat(meta["data_date"])).days
    if delta <= 0:
        return 0.0
    say(f"the data are of {meta['data_date']}: moving them {delta} days forward")
    started = time.perf_counter()
    dates_shift(delta, meta, today)
    return round(time.perf_counter() - started, 1)


def dates_shift(delta: int, meta: dict[str, Any], data_date: datetime.date) -> None:
    """Move every date of the data by `delta` days (see refresh)."""
    from django.db import transaction

    d, iv = f"{delta}", f"interval '{delta} days'"
    updates = {
        "observation_observation": f"start_date = start_date + {d}, end_date = end_date + {d}, "
        f"ended_on = ended_on + {d}, closed_at = closed_at + {iv}, last_check = CASE WHEN "
        f"last_check > 0 THEN last_check + 4 * {d} ELSE 0 END, created_at = created_at + {iv}",
        "observation_healthcheck": f"day = day + {d}, recorded_at = recorded_at + {iv}",
        "observation_alert": f"created_at = created_at + {iv}, acknowledged_at = "
        f"acknowledged_at + {iv}, closed_at = closed_at + {iv}",
        "arrivals_arrival": f"travel_date = travel_date + {d}, checked_in_at = checked_in_at "
        f"+ {iv}, received_at = received_at + {iv}, created_at = created_at + {iv}",
        "people_lodgingstay": f"check_in = check_in + {iv}, check_out = check_out + {iv}",
        "reports_reportrun": f"period_date = period_date + {d}, cutoff_at = cutoff_at + {iv}, "
        f"deadline_at = deadline_at + {iv}, computed_at = computed_at + {iv}",
        "reports_meeting": f"held_at = held_at + {iv}",
        "reports_actionitem": f"due_at = due_at + {iv}",
    }
    with transaction.atomic():
        sql("SET LOCAL maintenance_work_mem = '1GB'")
        restore = indexes_drop(list(updates))
        for table, assignments in updates.items():
            sql(f"UPDATE {table} SET {assignments}")  # noqa: S608 - our own statements
        for statement in restore:
            sql(statement)
        meta["data_date"] = data_date.isoformat()
        meta_write(meta)
    autocommit_sql(*(f"VACUUM ANALYZE {table}" for table in updates))


# -- what the load needs from the database --------------------------------------------------------

def load_spec(args, port: int, tag: str) -> dict[str, Any]:
    """Users and their tokens or passwords, the open check slots of each hotel and of
    communities with people at home, search terms: everything the load process needs."""
    from django.utils import timezone

    rng = random.Random(SEED + 7)
    today = timezone.localdate()
    users = collections.defaultdict(list)
    for username, role, code, place in sql(
            "SELECT u.username, r.role, r.scope_code, r.place_id FROM accounts_user u "
            "JOIN accounts_roleassignment r ON r.user_id = u.id "
            "WHERE u.username LIKE %s AND r.revoked_at IS NULL ORDER BY u.username",
            ["city-%"]):
        users[role].append({"username": username, "code": code, "place": place})
    communities: dict[str, list[str]] = collections.defaultdict(list)
    for (code,) in sql("SELECT code FROM areas_jurisdiction WHERE level = 'community' "
                       "AND is_active ORDER BY code"):
        communities[code[:6]].append(code)

    keys: dict[tuple[str, Any], list[list]] = collections.defaultdict(list)
    for obs, hotel, code, day, slot in sql("""
            SELECT o.id, o.hotel_id, o.jurisdiction_code, d::date, s
              FROM observation_observation o
             CROSS JOIN LATERAL generate_series(GREATEST(o.start_date, %s::date),
                                                LEAST(o.end_date, %s::date),
                                                interval '1 day') AS d
             CROSS JOIN LATERAL generate_series(0, o.checks_per_day - 1) AS s
             WHERE o.status = 'active'
               AND NOT EXISTS (SELECT 1 FROM observation_healthcheck h
                                WHERE h.observation_id = o.id AND h.day = d::date
                                  AND h.slot = s)
             ORDER BY d, s, o.id""", [today - datetime.timedelta(days=1), today]):
        key = ("hotel", hotel) if hotel else ("home", code)
        keys[key].append([obs, day.isoformat(), slot])
    hotels = []
    staff_of: dict[int, list[str]] = collections.defaultdict(list)
    for user in users["hotel_staff"]:
        staff_of[user["place"]].append(user["username"])
    for place, staff in sorted(staff_of.items()):
        hotels.append({"place": place, "tokens": [token_key(u) for u in staff],
                       "keys": keys.get(("hotel", place), [])[:HOTEL_KEYS_MAX]})
    homes_all = sorted((k[1], v) for k, v in keys.items() if k[0] == "home")
    rng.shuffle(homes_all)
    homes = [{"token": token_key(f"city-community-{code}"), "keys": v}
             for code, v in homes_all[:HOME_COMMUNITIES_MAX]]

    registrars = [{"token": token_key(u["username"]), "communities": communities[u["code"][:6]]}
                  for u in users["registrar"]]

    k = args.sessions

    def pick(role: str, count: int, spread: bool = True) -> list[dict[str, Any]]:
        pool = list(users[role])
        rng.shuffle(pool)
        if spread:  # different districts first
            seen, first, rest = set(), [], []
            for user in pool:
                (rest if user["code"][:6] in seen else first).append(user)
                seen.add(user["code"][:6])
            pool = first + rest
        return [{"username": u["username"], "password": PASSWORD, "place": u["place"],
                 "district": u["code"][:6]} for u in pool[:count]]

    sessions = {"street": pick("street_staff", k), "community": pick("community_worker", k),
                "district": pick("district_staff", k), "leader": pick("district_leader", k),
                "hotel": pick("hotel_staff", k), "registrar": pick("registrar", k),
                "city": pick("city_office", 1, spread=False)}
    sessions["city"][0]["form_login"] = True  # the login form itself, once a run

    # Search terms: Latin family names, two Chinese characters, passport numbers, of people
    # of each district (a sample of the table).
    persons = sql("SELECT COUNT(*) FROM people_person")[0][0] or 1
    percent = min(100.0, 100.0 * 20_000 / persons)
    search: dict[str, list[str]] = collections.defaultdict(list)
    sample = (f"SELECT id, jurisdiction_code, family_name, name_zh FROM people_person "  # noqa: S608
              f"TABLESAMPLE SYSTEM ({percent:.3f}) REPEATABLE (7) "
              "WHERE merged_into_id IS NULL AND family_name <> 'TESTPERSON'")
    for pk, code, family, zh in sql(sample):
        terms = search[code[:6]]
        if len(terms) >= 300:
            continue
        kind = pk % 3
        if kind == 0:
            terms.append(family)
        elif kind == 1 and len(zh) >= 2:
            terms.append(zh[:2] if pk % 2 else zh[1:3] if len(zh) >= 3 else zh[:2])
        elif kind == 2 and pk <= persons:
            terms.append(document_number(pk))
    weights = {name: spec[1] for name, spec in OPERATIONS.items()}
    if not hotels or not any(h["keys"] for h in hotels):
        say("no open check slot in any hotel: check_hotel will only repeat checks (200)")
    return {
        "port": port, "tag": tag, "seed": SEED, "clients": args.clients,
        "duration": args.duration, "warmup": args.warmup, "bell": not args.no_bell,
        "bucket": 10.0 if args.duration >= 120 else 5.0, "weights": weights,
        "registrars": registrars, "hotels": hotels, "homes": homes, "sessions": sessions,
        "search": dict(search),
    }


def sessions_mint(sessions: dict[str, list[dict[str, Any]]], secret: str) -> None:
    """Sign the page users in as Django's login() does (a session row holding the user, the
    backend and the password hash's HMAC, under the servers' SECRET_KEY), without the
    login form: its argon2 check takes 0.2 s of CPU, and 0.4-3 s on this loaded machine. The
    users marked `form_login` sign in through the form in the load process."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.test.utils import override_settings

    from frontline.accounts.middleware import LAST_SEEN, LOGIN_AT
    from frontline.accounts.models import User

    wanted = [s for items in sessions.values() for s in items if not s.get("form_login")]
    users = {u.username: u for u in User.objects.filter(
        username__in=[s["username"] for s in wanted])}
    now = int(time.time())
    with override_settings(SECRET_KEY=secret):
        for s in wanted:
            user = users[s["username"]]
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store[LOGIN_AT] = store[LAST_SEEN] = now
            store.create()
            s["cookies"] = {"sessionid": store.session_key}


# -- the servers ---------------------------------------------------------------------------------

class Servers:
    """gunicorn, two db_workers and the periodic process, each in its own process group."""

    def __init__(self, env: dict[str, str], logdir: Path, port: int, workers: int,
                 threads: int):
        self.env, self.logdir, self.port = env, logdir, port
        self.workers, self.threads = workers, threads
        self.processes: list[tuple[str, subprocess.Popen, Path]] = []

    def _spawn(self, name: str, command: list[str]) -> None:
        log = self.logdir / f"{name}.log"
        with open(log, "wb") as out:  # the child keeps its own descriptor
            process = subprocess.Popen(command, env=self.env, cwd=PROJECT_DIR,
                                       stdout=subprocess.DEVNULL, stderr=out,
                                       start_new_session=True)
        self.processes.append((name, process, log))

    def start(self) -> None:
        """Spawn every process; `ready` waits for gunicorn."""
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", self.port))
            except OSError as exc:
                raise RuntimeError(f"port {self.port} is in use") from exc
        self.started = time.perf_counter()
        python = str(PROJECT_DIR / ".venv" / "bin" / "python")
        self._spawn("gunicorn", [
            str(PROJECT_DIR / ".venv" / "bin" / "gunicorn"), "frontline.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
            "--worker-class", "gthread", "--threads", str(self.threads),
            "--keep-alive", "30", "--timeout", "120", "--backlog", "2048",
            "--log-level", "warning"])
        for k in (1, 2):
            self._spawn(f"db_worker-{k}", [
                python, "manage.py", "db_worker", "--queue-name", "*", "--interval", "1",
                "--no-reload", "--worker-id", f"city-bench-{k}", "-v", "0"])
        self._spawn("periodic", [python, "manage.py", "periodic", "-v", "0"])

    def ready(self) -> float:
        """Seconds from the start until gunicorn answered the login page."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for name, process, _log in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}: "
                                       f"{self.log_tail(name)}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", "/accounts/login/")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return round(time.perf_counter() - self.started, 1)
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer in 120 s")

    def stop(self) -> None:
        """SIGTERM to every process group (gunicorn finishes the requests in progress, a
        worker its task), SIGKILL to what is still there after 30 s."""
        for _name, process, _log in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for _name, process, _log in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def log_tail(self, name: str, lines: int = 15) -> str:
        for n, _process, log in self.processes:
            if n == name and log.exists():
                return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def problems(self) -> dict[str, int]:
        """Tracebacks and error lines each process logged."""
        out = {}
        for name, _process, log in self.processes:
            text = log.read_text(errors="replace") if log.exists() else ""
            count = text.count("Traceback") + len(re.findall(r" (?:ERROR|CRITICAL) ", text))
            if count:
                out[name] = count
        return out


# -- the load process (no Django) ----------------------------------------------------------------

class Connection:
    """One keep-alive HTTP connection."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=180)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                if response.will_close:
                    self.conn.close()
                    self.conn = None
                return response.status, response.headers, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                # A keep-alive connection the server closed meanwhile: once more, for a GET.
                if attempt == 2 or not reused or method != "GET":
                    raise
        raise AssertionError("unreachable")


class Session:
    """A signed-in page user (shared by the client threads, like tabs of one browser)."""

    def __init__(self, spec: dict[str, Any]):
        self.username, self.password = spec["username"], spec["password"]
        self.place, self.district = spec.get("place"), spec.get("district")
        self.form_login = bool(spec.get("form_login"))
        self.cookies: dict[str, str] = dict(spec.get("cookies") or {})

    def remember(self, headers) -> None:
        for header in headers.get_all("Set-Cookie") or []:
            name, _sep, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   "Accept-Language": "zh-hans"}
        headers.update(extra or {})
        return headers

    def login(self, conn: Connection) -> None:
        status, headers, data = conn.request("GET", "/accounts/login/")
        self.remember(headers)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data)
        if status != 200 or match is None:
            raise RuntimeError(f"login page for {self.username}: {status}")
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": match.group(1).decode(),
                                       "username": self.username, "password": self.password})
        status, headers, data = conn.request("POST", "/accounts/login/", form.encode(),
                                             self.headers({
                                                 "Content-Type":
                                                 "application/x-www-form-urlencoded"}))
        self.remember(headers)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login of {self.username}: {status} {data[:200]!r}")


class Recorder:
    """What one client thread saw."""

    def __init__(self, begin: float, bucket: float):
        self.begin, self.bucket = begin, bucket
        self.ms: dict[str, list[float]] = collections.defaultdict(list)
        self.statuses: dict[str, collections.Counter] = collections.defaultdict(
            collections.Counter)
        self.errors: collections.Counter = collections.Counter()
        self.unexpected: collections.Counter = collections.Counter()
        self.timeline: dict[int, list[int]] = collections.defaultdict(lambda: [0, 0])
        self.samples: list[str] = []
        self.checkin_ids: list[int] = []
        self.check_ids: list[int] = []
        self.check_repeats = 0

    def add(self, op: str, status: Any, ms: float, expected: tuple[int, ...],
            detail: bytes = b"") -> bool:
        self.ms[op].append(ms)
        self.statuses[op][str(status)] += 1
        error = not (isinstance(status, int) and 200 <= status < 400)
        if error:
            self.errors[op] += 1
        elif status not in expected:
            self.unexpected[op] += 1
        if (error or status not in expected) and len(self.samples) < 5:
            self.samples.append(f"{op} {status}: {detail[:200]!r}")
        slot = self.timeline[int((time.monotonic() - self.begin) // self.bucket)]
        slot[1 if error else 0] += 1
        return not error and status in expected


class Loader:
    def __init__(self, spec: dict[str, Any]):
        self.spec = spec
        self.port = spec["port"]
        self.ops = [op for op in OPERATIONS if spec["weights"].get(op, 0) > 0]
        self.cum = list(itertools.accumulate(spec["weights"][op] for op in self.ops))
        self.registrars = spec["registrars"]
        self.hotels = [{"tokens": h["tokens"], "keys": collections.deque(h["keys"])}
                       for h in spec["hotels"] if h["tokens"]]
        self.homes = [{"token": h["token"], "keys": collections.deque(h["keys"])}
                      for h in spec["homes"]]
        self.sessions = {role: [Session(s) for s in spec["sessions"].get(role, [])]
                         for role in PAGE_ROLES}
        self.search = spec["search"]
        self.sent: list[tuple[str, list]] = []  # (token, key) of checks made, to repeat
        self.serial = itertools.count(1)
        self.rec: Recorder | None = None

    # -- requests --------------------------------------------------------------------------
    def call(self, conn: Connection, rec: Recorder, op: str, method: str, path: str,
             body: bytes | None = None, headers: dict[str, str] | None = None,
             expected: tuple[int, ...] = (200,)) -> tuple[Any, bytes]:
        started = time.perf_counter()
        try:
            status, _headers, data = conn.request(method, path, body, headers)
        except Exception as exc:  # noqa: BLE001 - counted as the operation's error
            status, data = f"exception {type(exc).__name__}", str(exc).encode()
        rec.add(op, status, (time.perf_counter() - started) * 1000, expected, data)
        return status, data

    def page(self, conn: Connection, rec: Recorder, op: str, session: Session,
             path: str) -> None:
        status, _data = self.call(conn, rec, op, "GET", path, headers=session.headers())
        if self.spec["bell"] and status == 200:
            self.call(conn, rec, "bell", "GET", "/notify/bell/", headers=session.headers(
                {"HX-Request": "true", "X-Background": "1"}))

    def op_checkin(self, conn: Connection, rng: random.Random, client: int,
                   rec: Recorder) -> None:
        registrar = rng.choice(self.registrars)
        n = next(self.serial)
        nationality = rng.choice(ARRIVAL_NATIONALITIES)
        body = {
            "family_name": f"CITY{client:02d}", "given_names": f"N{n}", "sex": rng.choice("MF"),
            "birth_date": f"19{rng.randint(40, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            "nationality": nationality, "doc_type": "passport",
            "doc_number": f"C{self.spec['tag']}{n:07d}", "doc_country": nationality,
            "travel_mode": "flight", "carrier_number": f"CA{rng.randint(100, 999)}",
            "travel_date": datetime.date.today().isoformat(),  # noqa: DTZ011 - local day
            "seat": f"{rng.randint(1, 60)}{rng.choice('ABCDEF')}",
            "departure_country": nationality, "visited_countries": [nationality],
            "destination": rng.choice(registrar["communities"]),
            "destination_address": f"{rng.randint(1, 300)} Bench Road",
            "phone": "+8613800138000", "temperature": "36.6", "language": "en",
            "check_in": True,
        }
        status, data = self.call(conn, rec, "checkin", "POST", "/api/v1/arrivals/",
                                 json.dumps(body).encode(),
                                 {"Authorization": f"Token {registrar['token']}",
                                  "Content-Type": "application/json"}, expected=(201,))
        if status == 201:
            rec.checkin_ids.append(json.loads(data)["id"])

    def _check(self, conn: Connection, rng: random.Random, rec: Recorder, op: str,
               pools: list[dict[str, Any]]) -> None:
        key = token = None
        for pool in rng.sample(pools, min(len(pools), 8)) if pools else []:
            try:
                key = pool["keys"].popleft()
            except IndexError:
                continue
            token = rng.choice(pool["tokens"]) if "tokens" in pool else pool["token"]
            break
        repeat = key is None
        if repeat:  # no open slot left: the same check again (answered 200, kept once)
            if not self.sent:
                return
            token, key = rng.choice(self.sent)
        temperature = (f"{rng.randint(373, 392) / 10:.1f}" if rng.random() < FEVER_SHARE
                       else f"{rng.randint(358, 372) / 10:.1f}")
        body = {"observation": key[0], "day": key[1], "slot": key[2],
                "temperature": temperature}
        status, data = self.call(conn, rec, op, "POST", "/api/v1/health-checks/",
                                 json.dumps(body).encode(),
                                 {"Authorization": f"Token {token}",
                                  "Content-Type": "application/json"},
                                 expected=(200,) if repeat else (201,))
        if status == 201:
            rec.check_ids.append(json.loads(data)["id"])
            if len(self.sent) < 5000:
                self.sent.append((token, key))
        if repeat:
            rec.check_repeats += 1

    def op_check_hotel(self, conn, rng, client, rec) -> None:
        self._check(conn, rng, rec, "check_hotel", self.hotels)

    def op_check_home(self, conn, rng, client, rec) -> None:
        self._check(conn, rng, rec, "check_home", self.homes)

    def op_people_list(self, conn, rng, client, rec) -> None:
        session = rng.choice(self.sessions["street"] + self.sessions["community"])
        self.page(conn, rec, "people_list", session,
                  "/people/?page=2" if rng.random() < 0.2 else "/people/")

    def op_people_search(self, conn, rng, client, rec) -> None:
        session = rng.choice(self.sessions["district"])
        terms = self.search.get(session.district) or ["ANNA"]
        query = urllib.parse.urlencode({"q": rng.choice(terms)})
        self.page(conn, rec, "people_search", session, f"/people/?{query}")

    def op_hotel_worklist(self, conn, rng, client, rec) -> None:
        session = rng.choice(self.sessions["hotel"])
        self.page(conn, rec, "hotel_worklist", session, f"/observation/hotels/{session.place}/")

    def op_overdue_list(self, conn, rng, client, rec) -> None:
        self.page(conn, rec, "overdue_list", rng.choice(self.sessions["street"]),
                  "/observation/overdue/")

    def op_desk_page(self, conn, rng, client, rec) -> None:
        self.page(conn, rec, "desk_page", rng.choice(self.sessions["registrar"]),
                  "/arrivals/desk/")

    def op_reports_dashboard(self, conn, rng, client, rec) -> None:
        session = rng.choice(self.sessions["district"] + self.sessions["leader"])
        self.page(conn, rec, "reports_dashboard", session, "/reports/dashboard/")

    def op_observation_board(self, conn, rng, client, rec) -> None:
        self.page(conn, rec, "observation_board", rng.choice(self.sessions["district"]),
                  "/observation/")

    def op_city_dashboard(self, conn, rng, client, rec) -> None:
        self.page(conn, rec, "city_dashboard", rng.choice(self.sessions["city"]),
                  "/reports/dashboard/")

    # -- phases ----------------------------------------------------------------------------
    def login_all(self) -> dict[str, Any]:
        """Sign in through the login form the users whose session was not made beforehand;
        check every session with one page."""
        sessions = [s for role in PAGE_ROLES for s in self.sessions[role]]
        conn = Connection(self.port)
        form_ms = []
        for session in sessions:
            if session.form_login:
                started = time.perf_counter()
                session.login(conn)
                form_ms.append(round((time.perf_counter() - started) * 1000, 1))
        for session in sessions:
            status, _headers, _data = conn.request("GET", "/accounts/profile/",
                                                   headers=session.headers())
            if status != 200:
                raise RuntimeError(f"the session of {session.username} answers {status}")
        return {"sessions": len(sessions), "form_logins": len(form_ms),
                "form_login_ms": form_ms}

    def phase(self, seconds: float, progress: bool) -> tuple[list[Recorder], float]:
        clients = self.spec["clients"]
        begin = time.monotonic()
        stop = begin + seconds
        recorders = [Recorder(begin, self.spec["bucket"]) for _ in range(clients)]

        def client(index: int) -> None:
            rng = random.Random(self.spec["seed"] * 1000 + index + int(seconds))
            conn = Connection(self.port)
            rec = recorders[index]
            while time.monotonic() < stop:
                op = rng.choices(self.ops, cum_weights=self.cum)[0]
                getattr(self, f"op_{op}")(conn, rng, index, rec)

        threads = [threading.Thread(target=client, args=(i,), daemon=True)
                   for i in range(clients)]
        for thread in threads:
            thread.start()
        last = begin
        while any(t.is_alive() for t in threads):
            for thread in threads:
                thread.join(timeout=1.0)
            if progress and time.monotonic() - last >= 30:
                last = time.monotonic()
                done = sum(len(v) for r in recorders for v in r.ms.values())
                errors = sum(sum(r.errors.values()) for r in recorders)
                say(f"  {last - begin:5.0f} s: {done} requests ({done / (last - begin):.1f}/s), "
                    f"{errors} errors, load average {load1()}")
        return recorders, time.monotonic() - begin

    def run(self) -> dict[str, Any]:
        logins = self.login_all()
        say(f"load: {logins['sessions']} page users signed in ({logins['form_logins']} through "
            f"the login form: {logins['form_login_ms']} ms); warm-up {self.spec['warmup']:.0f} s")
        warm, warm_seconds = self.phase(self.spec["warmup"], progress=False)
        say(f"load: {self.spec['clients']} clients for {self.spec['duration']:.0f} s")
        recorders, seconds = self.phase(self.spec["duration"], progress=True)
        out = summarise(recorders, seconds)
        out["logins"] = logins
        out["warmup"] = {"seconds": round(warm_seconds, 1),
                         "requests": sum(len(v) for r in warm for v in r.ms.values()),
                         "errors": sum(sum(r.errors.values()) for r in warm)}
        out["checkin_ids"] = [i for r in warm + recorders for i in r.checkin_ids]
        out["check_ids"] = [i for r in warm + recorders for i in r.check_ids]
        out["open_slots_left"] = {"hotel": sum(len(h["keys"]) for h in self.hotels),
                                  "home": sum(len(h["keys"]) for h in self.homes)}
        return out


def summarise(recorders: list[Recorder], seconds: float) -> dict[str, Any]:
    """Per operation, per category and overall: requests, rate, percentiles, errors."""

    def figures(ms: list[float], statuses: collections.Counter, errors: int,
                unexpected: int) -> dict[str, Any]:
        return {"requests": len(ms), "per_s": round(len(ms) / seconds, 2) if seconds else 0.0,
                "p50_ms": round(percentile(ms, .50), 1), "p95_ms": round(percentile(ms, .95), 1),
                "p99_ms": round(percentile(ms, .99), 1),
                "max_ms": round(max(ms), 1) if ms else 0.0,
                "mean_ms": round(sum(ms) / len(ms), 1) if ms else 0.0,
                "errors": errors, "unexpected": unexpected,
                "statuses": dict(sorted(statuses.items()))}

    names = list(OPERATIONS) + list(BACKGROUND)
    operations, by_category = {}, collections.defaultdict(lambda: ([], collections.Counter(),
                                                                   [0], [0]))
    everything = ([], collections.Counter(), [0], [0])
    for op in names:
        ms = [v for r in recorders for v in r.ms.get(op, [])]
        statuses = collections.Counter()
        for r in recorders:
            statuses.update(r.statuses.get(op, {}))
        errors = sum(r.errors[op] for r in recorders)
        unexpected = sum(r.unexpected[op] for r in recorders)
        category = OPERATIONS[op][0] if op in OPERATIONS else BACKGROUND[op][0]
        operations[op] = {"category": category, **figures(ms, statuses, errors, unexpected)}
        for bucket in (by_category[category], everything):
            bucket[0].extend(ms)
            bucket[1].update(statuses)
            bucket[2][0] += errors
            bucket[3][0] += unexpected
    categories = {c: figures(*b[:2], b[2][0], b[3][0]) for c, b in by_category.items()}
    timeline: dict[int, list[int]] = collections.defaultdict(lambda: [0, 0])
    for r in recorders:
        for slot, (ok, err) in r.timeline.items():
            timeline[slot][0] += ok
            timeline[slot][1] += err
    bucket = recorders[0].bucket if recorders else 10.0
    slots = range(max(timeline) + 1) if timeline else range(0)
    # The last slot is shorter: the window ends with the last answer.
    widths = [min(bucket, max(seconds - k * bucket, 0.1)) for k in slots]
    return {
        "window_seconds": round(seconds, 1), "operations": operations,
        "categories": {c: categories[c] for c in CATEGORIES if c in categories},
        "overall": figures(*everything[:2], everything[2][0], everything[3][0]),
        "timeline": {"bucket_seconds": bucket,
                     "per_s": [round(timeline[k][0] / w, 1) for k, w in zip(slots, widths,
                                                                             strict=True)],
                     "errors": [timeline[k][1] for k in slots]},
        "check_repeats": sum(r.check_repeats for r in recorders),
        "samples": [s for r in recorders for s in r.samples][:8],
    }


# -- after the load --------------------------------------------------------------------------------

def pg_stats() -> dict[str, int]:
    row = sql("SELECT xact_commit, xact_rollback, blks_read, blks_hit, tup_inserted, "
              "tup_updated, tup_deleted, deadlocks, temp_bytes FROM pg_stat_database "
              "WHERE datname = current_database()")[0]
    keys = ["xact_commit", "xact_rollback", "blks_read", "blks_hit", "tup_inserted",
            "tup_updated", "tup_deleted", "deadlocks", "temp_bytes"]
    return dict(zip(keys, (int(v) for v in row), strict=True))


def verify(result: dict[str, Any], since: datetime.datetime) -> dict[str, Any]:
    """The acknowledged writes against the database, and the background tasks of the run."""
    checkins = result["checkin_ids"]
    checks = result["check_ids"]
    found_checkins = sql("SELECT COUNT(*) FROM arrivals_arrival WHERE id = ANY(%s) "
                         "AND status = 'checked_in'", [checkins])[0][0] if checkins else 0
    found_checks = sql("SELECT COUNT(*) FROM observation_healthcheck WHERE id = ANY(%s)",
                       [checks])[0][0] if checks else 0
    tasks = {}
    # How long a task waited for a worker: from when it was due (enqueued, or its run_after
    # when later; a task without one has a far-future sentinel) to its start.
    wait = ("EXTRACT(EPOCH FROM started_at - CASE WHEN run_after > enqueued_at + "
            "interval '100 years' THEN enqueued_at ELSE GREATEST(run_after, enqueued_at) END)")
    for status, count, wait_p50, wait_p95, wait_max in sql(
            f"SELECT status, COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY {wait}), "  # noqa: S608
            f"percentile_cont(0.95) WITHIN GROUP (ORDER BY {wait}), MAX({wait}) "
            "FROM django_tasks_database_dbtaskresult WHERE enqueued_at >= %s GROUP BY status",
            [since]):
        tasks[status] = {"count": count,
                         "wait_p50_s": round(float(wait_p50), 2) if wait_p50 is not None else None,
                         "wait_p95_s": round(float(wait_p95), 2) if wait_p95 is not None else None,
                         "wait_max_s": round(float(wait_max), 2) if wait_max is not None else None}
    kinds = dict(sql("SELECT task_path, COUNT(*) FROM django_tasks_database_dbtaskresult "
                     "WHERE enqueued_at >= %s GROUP BY task_path ORDER BY 2 DESC", [since]))
    return {"checkins_acknowledged": len(checkins),
            "checkins_lost": len(set(checkins)) - found_checkins,
            "checks_acknowledged": len(checks), "checks_lost": len(set(checks)) - found_checks,
            "duplicated_ids": (len(checkins) - len(set(checkins))) + (len(checks) - len(set(checks))),
            "tasks": tasks, "task_kinds": kinds}


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {"cores": os.cpu_count(), "python": platform.python_version(),
                            "system": f"{platform.system()} {platform.release()}"}
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["ram_gib"] = round(int(line.split()[1]) / 2**20, 1)
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(Exception):
        row = sql("SELECT version(), current_setting('shared_buffers'), "
                  "current_setting('max_connections'), current_setting('work_mem')")[0]
        info["postgresql"] = row[0].split(" on ")[0]
        info["pg_settings"] = {"shared_buffers": row[1], "max_connections": row[2],
                               "work_mem": row[3]}
    return info


def report(out: dict[str, Any]) -> None:
    """The table on stderr."""
    result = out["load"]
    say("")
    say(f"{'operation':18s} {'category':15s} {'requests':>8s} {'per s':>7s} {'p50 ms':>8s} "
        f"{'p95 ms':>8s} {'p99 ms':>8s} {'max ms':>8s} {'errors':>6s} {'unexp':>5s}")
    for op, f in result["operations"].items():
        say(f"{op:18s} {f['category']:15s} {f['requests']:8d} {f['per_s']:7.2f} {f['p50_ms']:8.1f} "
            f"{f['p95_ms']:8.1f} {f['p99_ms']:8.1f} {f['max_ms']:8.1f} {f['errors']:6d} "
            f"{f['unexpected']:5d}")
    say("-" * 100)
    background = result["categories"].get("background", {}).get("requests", 0)
    mix = (result["overall"]["requests"] - background) or 1
    for category, f in result["categories"].items():  # the share of the mix, bell apart
        share = f"{f['requests'] / mix * 100:.0f} %" + (" more" if category == "background"
                                                         else " of mix")
        say(f"{category:18s} {share:15s} {f['requests']:8d} {f['per_s']:7.2f} "
            f"{f['p50_ms']:8.1f} {f['p95_ms']:8.1f} {f['p99_ms']:8.1f} {f['max_ms']:8.1f} "
            f"{f['errors']:6d} {f['unexpected']:5d}")
    f = result["overall"]
    say(f"{'overall':18s} {'':15s} {f['requests']:8d} {f['per_s']:7.2f} {f['p50_ms']:8.1f} "
        f"{f['p95_ms']:8.1f} {f['p99_ms']:8.1f} {f['max_ms']:8.1f} {f['errors']:6d} "
        f"{f['unexpected']:5d}")
    statuses = {op: f["statuses"] for op, f in result["operations"].items()
                if f["errors"] or f["unexpected"]}
    if statuses:
        say(f"statuses of operations with errors: {statuses}")
    for sample in result.get("samples", []):
        say(f"  e.g. {sample}")


# -- the driver ----------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true",
                        help="20 s of load; on frontline_city when built, otherwise on a small "
                             "city (2 districts, 50,000 people)")
    parser.add_argument("--duration", type=float, help="seconds of measured load (600)")
    parser.add_argument("--warmup", type=float, help="seconds of load before (15; 3 quick)")
    parser.add_argument("--clients", type=int, default=CLIENTS, help="concurrent clients (24)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn worker processes (2 x cores + 1)")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help="threads per gunicorn worker (4)")
    parser.add_argument("--sessions", type=int, help="signed-in users per page role (6; 3 quick)")
    parser.add_argument("--no-bell", action="store_true", help="no bell request after pages")
    parser.add_argument("--with-reminders", action="store_true",
                        help="leave today's daily-figure reminders to the periodic process")
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--build-only", action="store_true",
                        help="build (or bring to today) the database, then stop")
    parser.add_argument("--persons", type=int, help="people to build (1,000,000)")
    parser.add_argument("--districts", help="district codes to build, comma-separated (all)")
    parser.add_argument("--db", help="database name (frontline_city; frontline_city_quick "
                                     "for the small city)")
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument("--load", help=argparse.SUPPRESS)  # internal: the load process
    parser.add_argument("--load-result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.duration = args.duration or (QUICK_DURATION if args.quick else DURATION)
    args.warmup = args.warmup if args.warmup is not None else (
        QUICK_WARMUP if args.quick else WARMUP)
    args.sessions = args.sessions or (QUICK_SESSIONS if args.quick else SESSIONS)
    return args


def choose_database(args) -> tuple[str, dict[str, Any], dict[str, Any] | None, str, str]:
    """(name, size, the build's record, why, what to do: reuse | resume | build)."""
    wanted = None
    if args.persons or args.districts:
        wanted = dict(FULL_SIZE)
        if args.persons:
            wanted["persons"] = args.persons
        if args.districts:
            wanted["districts"] = sorted(c.strip() for c in args.districts.split(",")
                                         if c.strip())
    if args.db:
        name, default = args.db, SMALL_SIZE if args.quick else FULL_SIZE
    elif args.quick and wanted is None:
        meta, counts = database_state(FULL_DB)
        ok, why = database_complete(meta, counts)
        if ok and not args.rebuild:
            return FULL_DB, meta["size"], meta, f"{FULL_DB} is {why}", "reuse"
        name, default = SMALL_DB, SMALL_SIZE
    else:
        name, default = FULL_DB, FULL_SIZE
    size = dict(wanted or default)
    meta, counts = database_state(name)
    if args.rebuild:
        return name, size, None, "--rebuild", "build"
    if meta and args.db and wanted is None and (meta.get("complete")
                                                or meta.get("stage") == "loaded"):
        size = meta["size"]  # a database named without a size: what it holds
    if meta and meta.get("size") != size:
        return name, size, None, f"it holds {meta.get('size')}, not {size}", "build"
    ok, why = database_complete(meta, counts)
    if ok:
        return name, size, meta, why, "reuse"
    if meta and meta.get("stage") == "loaded":
        return name, size, meta, "its data are loaded, its daily figures are not", "resume"
    return name, size, None, why, "build"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.load:
        result = Loader(json.loads(Path(args.load).read_text())).run()
        Path(args.load_result).write_text(json.dumps(result))
        return 0

    def terminate(signum, frame):  # SIGTERM as Ctrl-C: stop everything we started
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in background
    started = time.perf_counter()
    out: dict[str, Any] = {"benchmark": "city", "quick": args.quick}
    loadavg = {"start": load1()}
    workdir = Path(tempfile.mkdtemp(prefix="frontline-bench-city-"))
    (workdir / "var" / "static").mkdir(parents=True)
    (workdir / "var" / "media").mkdir(parents=True)
    servers: Servers | None = None
    loader: subprocess.Popen | None = None
    code = 1
    try:
        try:
            name, size, meta, why, action = choose_database(args)
        except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
            raise RuntimeError(f"PostgreSQL unreachable at {PG_SERVER}: {exc}") from exc
        env = environment(pg_url(name), workdir / "var")
        out["database"] = name
        out["built_now"] = action != "reuse"
        if action == "build":
            say(f"{name}: {why}; building it")
            meta = build(name, size, env)
        else:
            django_setup(local_environment(env))
            pending = migrations_pending()
            if pending:
                from django.core.management import call_command

                say(f"applying {len(pending)} new migrations: {pending[:5]}")
                t0 = time.perf_counter()
                call_command("migrate", verbosity=0, interactive=False)
                out["migrate_seconds"] = round(time.perf_counter() - t0, 1)
            if action == "resume":
                say(f"{name}: {why}; resuming its build")
                refresh(meta)
                meta = finish(name, meta)
            else:
                say(f"{name}: {why} (built {meta['built_at']} in {meta['build_seconds']} s)")
        out["size"] = size
        out["build"] = {k: meta.get(k) for k in ("build_seconds", "phases", "snapshot_seconds",
                                                 "database_bytes", "built_at", "loaded")}
        out["build"]["database_gib"] = round(meta["database_bytes"] / 2**30, 2)
        out["refresh_seconds"] = refresh(meta)
        out["dataset"] = dict(zip(COUNT_QUERIES, (sql(q)[0][0] for q in COUNT_QUERIES.values()),
                                  strict=True))
        out["database_gib"] = round(sql("SELECT pg_database_size(current_database())")[0][0]
                                    / 2**30, 2)
        out["machine"] = machine_info()
        if args.build_only:
            code = 0
            return code

        from django.utils import timezone

        if not args.with_reminders:
            # The daily figures' reminders (10:00, 11:30) go to every unit not submitted: at
            # city size ~8,000 notifications at once, a separate scenario. Marked as sent.
            sql("UPDATE reports_reportrun r SET reminders_sent = d.reminders "
                "FROM reports_reportdefinition d WHERE d.id = r.definition_id")
        # What an earlier run or the build left undelivered or unrun would be worked off
        # during this one: messages given up, tasks dropped (counted in the JSON).
        out["left_from_before"] = {
            "messages": len(sql("UPDATE notify_message SET status = 'dead' WHERE status IN "
                                "('pending', 'failed', 'sending') RETURNING 1")),
            "tasks": len(sql("DELETE FROM django_tasks_database_dbtaskresult WHERE status IN "
                             "('READY', 'RUNNING') RETURNING 1"))}
        tag = base64.b32encode(os.urandom(5)).decode()[:6]  # this run's passport numbers
        secret = secrets.token_urlsafe(48)
        since = timezone.now()
        servers = Servers(server_environment(env, secret), workdir, args.port, args.workers,
                          args.threads)
        say(f"starting gunicorn gthread {args.workers} x {args.threads} on 127.0.0.1:"
            f"{args.port}, 2 db_workers, periodic")
        servers.start()
        t0 = time.perf_counter()  # while the servers start
        spec = load_spec(args, args.port, tag)
        sessions_mint(spec["sessions"], secret)
        out["spec_seconds"] = round(time.perf_counter() - t0, 1)
        out["open_slots"] = {"hotel": sum(len(h["keys"]) for h in spec["hotels"]),
                             "home": sum(len(h["keys"]) for h in spec["homes"]),
                             "home_communities": len(spec["homes"])}
        out["server_start_seconds"] = servers.ready()
        say(f"servers up in {out['server_start_seconds']} s")
        out["server"] = {"gunicorn": f"gthread {args.workers} workers x {args.threads} threads",
                         "db_workers": 2, "periodic": 1, "settings": "production, DEBUG off",
                         "cache": "local memory (per process)",
                         "reminders": "on" if args.with_reminders else "marked sent"}
        loadavg["load_start"] = load1()
        before = pg_stats()
        spec_file, result_file = workdir / "load-spec.json", workdir / "load-result.json"
        spec_file.write_text(json.dumps(spec))
        loader = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--load", str(spec_file),
             "--load-result", str(result_file)],
            env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, cwd=PROJECT_DIR)
        loader.wait(timeout=args.duration + args.warmup + 600)
        if loader.returncode != 0:
            raise RuntimeError(f"the load process exited with {loader.returncode}")
        result = json.loads(result_file.read_text())
        loadavg["load_end"] = load1()
        t0 = time.perf_counter()
        servers.stop()
        out["server_stop_seconds"] = round(time.perf_counter() - t0, 1)
        out["server_problems"] = servers.problems()
        for process_name in out["server_problems"]:
            say(f"{process_name} logged errors; its last lines:\n{servers.log_tail(process_name)}")
        servers = None
        out["verified"] = verify(result, since)
        after = pg_stats()
        out["postgresql_during"] = {k: after[k] - before[k] for k in after}
        out["load"] = {k: v for k, v in result.items() if k not in ("checkin_ids", "check_ids")}
        out["clients"] = args.clients
        out["duration_seconds"] = args.duration
        out["mix"] = {op: {"category": c, "weight": w, "what": what}
                      for op, (c, w, what) in OPERATIONS.items()}
        report(out)
        v = out["verified"]
        say(f"verified: {v['checkins_acknowledged']} check-ins ({v['checkins_lost']} lost), "
            f"{v['checks_acknowledged']} health checks ({v['checks_lost']} lost), "
            f"{v['duplicated_ids']} ids answered twice; tasks {v['tasks']}")
        overall = result["overall"]
        out["throughput_per_s"] = overall["per_s"]
        out["errors"] = overall["errors"]
        out["p95_ms"] = {op: f["p95_ms"] for op, f in result["operations"].items()}
        out["p99_ms"] = {op: f["p99_ms"] for op, f in result["operations"].items()}
        code = 0 if not overall["errors"] and not v["checkins_lost"] and not v["checks_lost"] \
            else 1
    except KeyboardInterrupt:
        say("interrupted")
        out["error"] = "interrupted"
    except Exception as exc:  # noqa: BLE001 - reported in the JSON
        import traceback

        traceback.print_exc()
        out["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        if loader is not None and loader.poll() is None:
            loader.terminate()
            try:
                loader.wait(timeout=10)
            except subprocess.TimeoutExpired:
                loader.kill()
        if servers is not None:
            servers.stop()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
        loadavg["end"] = load1()
        out.setdefault("machine", machine_info() if "django" in sys.modules else {
            "cores": os.cpu_count()})
        out["machine"]["loadavg_1min_at"] = loadavg
        out["date"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        out["wall_seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps(out, ensure_ascii=False, default=str), flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
