"""Medical-observation benchmark: hotel worklists and the overdue list over 100k active
observations and 2M health checks, and health checks ingested through the API.

What it measures (PostgreSQL, database frontline_bench_observation, created and dropped here)
    data        Dongcheng's divisions (110101, 17 streets, 169 communities) and four users:
                district staff of 110101, street staff of 110101001 (东华门街道), duty staff
                of one observation hotel. 50 observation hotels of 110101 with rooms of two
                beds. Then, loaded with COPY (not through the services, for speed), with every
                field the services fill: N people (100,000; 10,000 with --quick; obviously
                synthetic names) living in Dongcheng's communities, one active observation
                each (60 % centralised in a hotel room, 40 % at home; responsible community =
                the residence; started 0-13 days ago, more of them long ago; 14 days, 2
                checks a day), and exactly M health checks (2,000,000; 200,000 with --quick):
                each observation gets its most recent closed check windows, about 10 days x
                2, except that 10 % of them miss the check of the latest closed window, so
                the overdue list has rows. 0.5 % of the checks are a fever, each with its
                alert (open for the last two days, closed before). Then VACUUM ANALYZE.
    reads       in this process, each timed R times (60; 30 with --quick) after 5 warm-ups,
                the targets taking turns so that a burst of load elsewhere hits all alike:
            worklist_hotel      selectors.hotel_worklist(actor=<hotel staff>, hotel=<theirs>),
                                every queryset of the dict evaluated to a list (what the hotel
                                page renders: arriving, departing, overdue, alerts, guests)
            worklist_district   the same for the district user on that hotel
            overdue_district    selectors.overdue_list(actor=<district user>) with
                                select_related("person", "hotel", "room"): the first 50 rows
                                and its .count()
            overdue_street      the same for the street user
            overdue_district_500   for information: the first 500 rows, as the overdue page
                                (views.overdue) slices it today
                Each call starts with the user's roles forgotten, as in a new request; `now`
                is fixed at the time the data was generated. Before timing, every target's
                row counts are checked against what was loaded (`checked`).
    ingest      a real gunicorn (gthread, 2 workers x 4 threads by default) serving
                frontline.wsgi:application with production settings (FRONTLINE_ENV=production,
                DEBUG off, the database task backend; only the HTTPS redirect and secure
                cookies are off, since it is plain loopback HTTP, and 2FA is not required).
                A separate load process (this script with --load) runs C keep-alive clients
                (4 by default) that POST batches of B checks (500) to
                /api/v1/health-checks/bulk/ with the district user's API token for 60 s (15 s
                with --quick). Every check is for a distinct (observation, day, slot) that the
                database does not hold yet (today's second check first, then older windows
                still empty), so every row is new. The request bodies are built before the
                clock starts. Afterwards the database is counted.
            ingest_checks_per_minute   rows written by the API, counted in the database,
                                       per minute of the phase (first request to last answer)
            ingest_errors       non-200 answers + rows answered "error" or "duplicate"
            ingest_p99_ms       99th percentile of one bulk request
            lost                rows answered "created" whose id is not in the database
            duplicated          ids answered twice + (observation, day, slot) held twice
                Then, for information, the same server takes single checks through
                POST /api/v1/health-checks/ for 20 s (5 s with --quick): `single`.
    The pool of new (observation, day, slot) keys is finite (about 1.7 per observation);
    a client stops when it runs out, and the rate is over the time actually used.

How to read it
    p50_ms, p95_ms      median and 95th percentile of one call, in ms; the goal is p95 <= 100
                        for both worklists and both overdue lists at the full size
    rows                what a call returned (list lengths, the count)
    queries             SQL statements of one call
    machine.loadavg_1min   the load average at the start of the reads, the end of the reads
                        and the end of ingestion; this machine (2 CPUs) is shared, so a high
                        load inflates every figure
    goal_met            per goal; the latency goals are null with --quick (smaller data)

    The JSON object on the last line of stdout is the result; progress goes to stderr.

Usage
    .venv/bin/python bench/observation.py [--quick] [--pg-url URL] [--keep] [--explain] [--profile]
        [--observations N] [--checks M] [--reps R] [--seconds S] [--workers W]
        [--threads T] [--clients C] [--batch B]
"""

from __future__ import annotations

import argparse
import base64
import bisect
import datetime
import http.client
import itertools
import json
import os
import platform
import queue
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
SRC_DIR = PROJECT_DIR / "src"
DIVISIONS_FILE = PROJECT_DIR / "data" / "beijing-divisions.csv"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/frontline_bench_observation"
DISTRICT = "110101"
STREET = "110101001"  # 东华门街道
SEED = 20200201
HOTELS = 50
BEDS = 2
ROOMS_PER_FLOOR = 30
OBSERVATIONS, QUICK_OBSERVATIONS = 100_000, 10_000
CHECKS, QUICK_CHECKS = 2_000_000, 200_000
REPS, QUICK_REPS, WARMUP = 60, 30, 5
SECONDS, QUICK_SECONDS = 60.0, 15.0
SINGLE_SECONDS, QUICK_SINGLE_SECONDS = 20.0, 5.0
CLIENTS, BATCH = 4, 500
CENTRALISED_SHARE = 0.6
OVERDUE_SHARE = 0.10
FEVER_SHARE = 0.005
MAX_AGE_DAYS = 13  # observations started 0-13 days ago
DAYS = 14
GOALS = {"worklist_p95_ms": 100.0, "overdue_p95_ms": 100.0,
         "ingest_checks_per_minute": 20_000, "ingest_errors": 0, "lost": 0, "duplicated": 0}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# -- the database and Django ------------------------------------------------------------------

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


def database_drop(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def environment(url: str, var_dir: str) -> dict[str, str]:
    """The environment of this process: local settings on the bench database."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DJANGO_SETTINGS_MODULE="frontline.settings", DATABASE_URL=url, FRONTLINE_ENV="local",
        FRONTLINE_VAR_DIR=var_dir, MEDIA_ROOT=str(Path(var_dir) / "media"), DEBUG="false",
        DJANGO_DEBUG="false", LOG_LEVEL="WARNING", FRONTLINE_REQUIRE_2FA="false",
        TASK_BACKEND="django_tasks.backends.dummy.DummyBackend",
        PYTHONPATH=str(SRC_DIR),
    )
    return env


def server_environment(env: dict[str, str]) -> dict[str, str]:
    """Production settings for gunicorn, minus what plain loopback HTTP cannot have."""
    server = dict(env)
    server.pop("TASK_BACKEND", None)  # the product's database task backend
    server.update(
        FRONTLINE_ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        FIELD_ENCRYPTION_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        SECURE_SSL_REDIRECT="false", SECURE_COOKIES="false", SECURE_HSTS_SECONDS="0",
        STATIC_MANIFEST="false",
    )
    return server


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(SRC_DIR))
    import django

    django.setup()


# -- setup: divisions, users, hotels ----------------------------------------------------------

def base_setup() -> dict[str, Any]:
    from django.core.management import call_command

    from frontline.accounts.models import User
    from frontline.accounts.services import role_grant_from_console, token_create
    from frontline.areas.models import Jurisdiction, Level, Place
    from frontline.areas.services import division_rows_parse, divisions_load

    call_command("migrate", verbosity=0, interactive=False)
    Jurisdiction.objects.create(code="11", name="北京市", level=Level.CITY)
    report = divisions_load(actor=None, rows=division_rows_parse(DIVISIONS_FILE.read_bytes()),
                            root=DISTRICT)
    if report.rejected:
        raise RuntimeError(f"division rows rejected: {report.rejected[:3]}")
    district = Jurisdiction.objects.get(code=DISTRICT)
    hotels = [Place.objects.create(name=f"基准观察酒店{i + 1:02d}",
                                   name_en=f"Bench Observation Hotel {i + 1:02d}",
                                   kind="observation_hotel", jurisdiction=district,
                                   jurisdiction_code=DISTRICT, capacity=1500)
              for i in range(HOTELS)]
    users = {}
    for key, role, where in (("district", "district_staff", district),
                             ("street", "street_staff", Jurisdiction.objects.get(code=STREET)),
                             ("hotel", "hotel_staff", hotels[0])):
        user = User.objects.create_user(username=f"bench-{key}")
        if isinstance(where, Place):
            role_grant_from_console(user=user, role=role, place=where)
        else:
            role_grant_from_console(user=user, role=role, jurisdiction=where)
        users[key] = user
    _token, key = token_create(actor=users["district"], name="bench ingest")
    communities = list(Jurisdiction.objects.filter(level=Level.COMMUNITY,
                                                   code__startswith=DISTRICT)
                       .order_by("code").values_list("pk", "code"))
    return {"users": users, "hotels": hotels, "token": key, "communities": communities}


# -- bulk loading -----------------------------------------------------------------------------

class Copier:
    """COPY rows into a model's table. Columns not given per row take the value of an unsaved
    instance (the model's defaults), so a new column with a default does not break this."""

    def __init__(self, model, **template: Any):
        from django.db import connection

        instance = model(**template)
        self.fields = list(model._meta.concrete_fields)
        self.table = model._meta.db_table
        self.columns = [f.column for f in self.fields]
        self.defaults = [self._prep(f, getattr(instance, f.attname), connection)
                         for f in self.fields]
        self.slot = {f.attname: i for i, f in enumerate(self.fields)}
        self.rows: list[list[Any]] = []

    @staticmethod
    def _prep(field, value, connection):
        if field.get_internal_type() == "JSONField":
            return json.dumps(value)  # COPY text format: the server parses the JSON
        return field.get_db_prep_save(value, connection)

    def add(self, **values: Any) -> None:
        row = list(self.defaults)
        slot = self.slot
        for name, value in values.items():
            row[slot[name]] = value
        self.rows.append(row)

    def flush(self) -> int:
        from django.db import connection

        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row)
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{self.table}', 'id'), "  # noqa: S608
                           f"(SELECT MAX(id) FROM {self.table}))")
        count = len(self.rows)
        self.rows = []
        return count


def closed_windows(start: datetime.date, latest: tuple[datetime.date, int],
                   per_day: int) -> list[tuple[datetime.date, int]]:
    """Every (day, slot) from `latest` back to the first of `start`, newest first."""
    day, slot = latest
    out = []
    while day >= start:
        out.append((day, slot))
        slot -= 1
        if slot < 0:
            day, slot = day - datetime.timedelta(days=1), per_day - 1
    return out


def allocate(counts: list[int], target: int) -> list[int]:
    """Checks per observation: at most a common cap (L or L-1), summing to `target` exactly
    (or to everything available when that is less)."""
    if sum(counts) <= target:
        return list(counts)
    low, high = 0, max(counts)
    while low < high:  # the smallest cap L whose total reaches the target
        mid = (low + high) // 2
        if sum(min(c, mid) for c in counts) >= target:
            high = mid
        else:
            low = mid + 1
    cap = low
    out = [min(c, cap - 1) for c in counts]
    missing = target - sum(out)
    for i, c in enumerate(counts):
        if missing == 0:
            break
        if c >= cap:
            out[i] += 1
            missing -= 1
    return out


def data_load(setup: dict[str, Any], n_obs: int, n_checks: int, now: datetime.datetime
              ) -> dict[str, Any]:
    """People, rooms, observations, health checks and alerts; what the checks expect."""
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from frontline.observation import selectors, services
    from frontline.observation.models import Alert, HealthCheck, Observation, Room
    from frontline.people import names
    from frontline.people.models import Person

    started = time.perf_counter()
    rng = random.Random(SEED)
    today = timezone.localdate(now)
    latest = selectors.latest_due_slot(now, 2)
    communities = setup["communities"]
    hotels = setup["hotels"]
    district_user = setup["users"]["district"]
    # Start dates: more of the observations started long ago (weights (k+1)^2), so that
    # about 20 closed windows per observation exist for 2M checks over 100k observations.
    cumulative = list(itertools.accumulate((k + 1) ** 2 for k in range(MAX_AGE_DAYS + 1)))

    people = Copier(Person, nationality="DE", created_at=now, updated_at=now)
    obs = Copier(Observation, kind="home", start_date=today, days=DAYS, end_date=today,
                 created_at=now, updated_at=now)
    plan: list[dict[str, Any]] = []
    centralised = 0
    per_hotel = [0] * len(hotels)
    for i in range(n_obs):
        pk = i + 1
        community_pk, code = communities[rng.randrange(len(communities))]
        family, given = "TESTPERSON", f"N{pk:06d}"
        people.add(id=pk, family_name=family, given_names=given, sex=rng.choice("MF"),
                   birth_date=datetime.date(1950, 1, 1)
                   + datetime.timedelta(days=rng.randrange(20_000)),
                   nationality=rng.choice(["DE", "FR", "IT", "JP", "KR", "US", "GB", "IR"]),
                   residence_id=community_pk, jurisdiction_code=code,
                   address=f"Bench Lane {pk}", name_key=names.name_key(family, given),
                   search_text=names.search_text(family, given, "", ""),
                   created_at=now, updated_at=now, created_by_id=district_user.pk)
        age = bisect.bisect_right(cumulative, rng.randrange(cumulative[-1]))
        start = today - datetime.timedelta(days=age)
        hotel_index = room_index = None
        if rng.random() < CENTRALISED_SHARE:
            hotel_index = centralised % len(hotels)
            room_index = per_hotel[hotel_index] // BEDS
            per_hotel[hotel_index] += 1
            centralised += 1
        plan.append({"pk": pk, "code": code, "community": community_pk, "start": start,
                     "hotel": hotel_index, "room": room_index,
                     "overdue": rng.random() < OVERDUE_SHARE})
    # Rooms: two beds each, 10 % spare, 30 a floor.
    rooms_per_hotel = (max(per_hotel) + BEDS - 1) // BEDS
    rooms_per_hotel += rooms_per_hotel // 10 + 1
    room_rows = []
    for h, hotel in enumerate(hotels):
        occupied = (per_hotel[h] + BEDS - 1) // BEDS
        for r in range(rooms_per_hotel):
            floor = 2 + r // ROOMS_PER_FLOOR
            room_rows.append(Room(hotel=hotel, jurisdiction_code=hotel.jurisdiction_code,
                                  number=f"{floor}{r % ROOMS_PER_FLOOR + 1:02d}", floor=floor,
                                  kind="double", beds=BEDS,
                                  status="occupied" if r < occupied else "free"))
    with transaction.atomic():
        Room.objects.bulk_create(room_rows, batch_size=2000)
    room_pk = {(r.hotel_id, r.number): r.pk for r in Room.objects.all()}  # scoped-ok: bench
    room_ids = [[room_pk[(hotel.pk, room_rows[h * rooms_per_hotel + r].number)]
                 for r in range(rooms_per_hotel)] for h, hotel in enumerate(hotels)]

    windows: list[list[tuple[datetime.date, int]]] = []
    for p in plan:
        end = p["start"] + datetime.timedelta(days=DAYS)
        hotel = hotels[p["hotel"]] if p["hotel"] is not None else None
        obs.add(id=p["pk"], person_id=p["pk"],
                kind="centralised" if hotel else "home", jurisdiction_id=p["community"],
                jurisdiction_code=p["code"], hotel_id=hotel.pk if hotel else None,
                room_id=room_ids[p["hotel"]][p["room"]] if hotel else None,
                address="" if hotel else f"Bench Lane {p['pk']}", start_date=p["start"],
                days=DAYS, end_date=end, checks_per_day=2, status="active",
                source="bench", created_by_id=district_user.pk, created_at=now,
                updated_at=now)
        closed = closed_windows(p["start"], latest, 2)
        if p["overdue"] and closed and closed[0] == latest:
            closed = closed[1:]
        else:
            p["overdue"] = False  # started after the latest window: nothing due yet
        windows.append(closed)
    quota = allocate([len(w) for w in windows], n_checks)

    checks = Copier(HealthCheck, day=today, slot=0, temperature=Decimal("36.5"),
                    recorded_at=now, source="staff", recorded_by_id=district_user.pk)
    alerts = Copier(Alert, kind="fever", created_at=now)
    normal = [Decimal(t) / 10 for t in range(358, 373)]
    fevers = [Decimal(t) / 10 for t in range(373, 396)]
    deadlines: dict[tuple[datetime.date, int], datetime.datetime] = {}
    recent_from = today - datetime.timedelta(days=1)
    c = checks.slot
    i_id, i_obs, i_code, i_hotel = c["id"], c["observation_id"], c["jurisdiction_code"], c["hotel_id"]
    i_day, i_slot, i_temp, i_at = c["day"], c["slot"], c["temperature"], c["recorded_at"]
    defaults, rows = checks.defaults, checks.rows
    rand, randrange = rng.random, rng.randrange
    check_pk = 0
    for p, closed, take in zip(plan, windows, quota, strict=True):
        hotel_id = hotels[p["hotel"]].pk if p["hotel"] is not None else None
        for day, slot in closed[:take]:
            check_pk += 1
            deadline = deadlines.get((day, slot))
            if deadline is None:
                deadline = deadlines[(day, slot)] = services.slot_deadline(day, slot, 2)
            recorded = deadline - datetime.timedelta(minutes=randrange(20, 400))
            fever = rand() < FEVER_SHARE
            temperature = fevers[randrange(len(fevers))] if fever else normal[randrange(len(normal))]
            row = defaults.copy()
            row[i_id], row[i_obs], row[i_code], row[i_hotel] = check_pk, p["pk"], p["code"], hotel_id
            row[i_day], row[i_slot], row[i_temp], row[i_at] = day, slot, temperature, recorded
            rows.append(row)
            if fever:
                recent = day >= recent_from
                alerts.add(observation_id=p["pk"], check_record_id=check_pk,
                           jurisdiction_code=p["code"], hotel_id=hotel_id, kind="fever",
                           status="open" if recent else "closed", created_at=recorded,
                           acknowledged_by_id=None if recent else district_user.pk,
                           acknowledged_at=None if recent else recorded,
                           closed_by_id=None if recent else district_user.pk,
                           closed_at=None if recent else recorded,
                           note="" if recent else "bench: retested, normal")
    say(f"  generated {len(rows)} checks in {time.perf_counter() - started:.1f} s")
    for i, row in enumerate(alerts.rows):
        row[alerts.slot["id"]] = i + 1
    with transaction.atomic():
        loaded = {"people": people.flush(), "observations": obs.flush(),
                  "checks": checks.flush(), "alerts": alerts.flush()}
        # What the check services keep: each observation's newest (day, slot), as
        # observation.models.slot_ordinal numbers it.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE observation_observation o SET last_check = c.latest FROM ("
                " SELECT observation_id, MAX((day - DATE '2000-01-01') * 4 + slot + 1) AS latest"
                " FROM observation_healthcheck GROUP BY observation_id) c"
                " WHERE o.id = c.observation_id")
    say(f"  copied in {time.perf_counter() - started:.1f} s")
    old = connection.get_autocommit()
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        say(f"  vacuumed in {time.perf_counter() - started:.1f} s")
        try:
            cursor.execute("CHECKPOINT")
        except Exception as exc:  # noqa: BLE001 - needs superuser; the figures still stand
            say(f"(no CHECKPOINT: {exc})")
    connection.set_autocommit(old)
    hotel0 = hotels[0].pk
    overdue = [p for p in plan if p["overdue"]]
    expected = {
        "overdue_district": len(overdue),
        "overdue_street": sum(1 for p in overdue if p["code"].startswith(STREET)),
        "overdue_hotel": sum(1 for p in overdue if p["hotel"] == 0),
        "guests_hotel": per_hotel[0],
        "arriving_hotel": sum(1 for p in plan if p["hotel"] == 0 and p["start"] == today),
        "open_alerts_hotel": Alert.objects.filter(  # scoped-ok: the bench counts
            hotel_id=hotel0).exclude(status="closed").count(),
    }
    loaded["rooms"] = len(room_rows)
    loaded["latest_closed_window"] = [latest[0].isoformat(), latest[1]]
    return {"loaded": loaded, "expected": expected}


# -- the reads --------------------------------------------------------------------------------

def read_targets(setup: dict[str, Any], now: datetime.datetime) -> dict[str, Any]:
    from django.db.models import QuerySet

    from frontline.observation import selectors

    users, hotel = setup["users"], setup["hotels"][0]

    def worklist(actor):
        def call():
            actor.forget_roles()
            work = selectors.hotel_worklist(actor=actor, hotel=hotel, now=now)
            out = {k: list(v) if isinstance(v, QuerySet) else v for k, v in work.items()}
            return {k: len(v) if isinstance(v, list) else v for k, v in out.items()}
        return call

    def overdue(actor, limit: int):
        def call():
            actor.forget_roles()
            rows = selectors.overdue_list(actor=actor, now=now).select_related(
                "person", "hotel", "room")
            page = list(rows[:limit])
            return {"rows": len(page), "count": rows.count()}
        return call

    return {
        "worklist_hotel": worklist(users["hotel"]),
        "worklist_district": worklist(users["district"]),
        "overdue_district": overdue(users["district"], 50),
        "overdue_street": overdue(users["street"], 50),
        "overdue_district_500": overdue(users["district"], 500),
    }


def reads_check(targets: dict[str, Any], expected: dict[str, int]) -> dict[str, Any]:
    """One call per target, its rows compared with what was loaded, its queries counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    checked: dict[str, Any] = {}
    problems = []
    for name, call in targets.items():
        with CaptureQueriesContext(connection) as captured:
            rows = call()
        checked[name] = {"rows": rows, "queries": len(captured)}
        if name.startswith("worklist"):
            want = {"guests": expected["guests_hotel"], "overdue": expected["overdue_hotel"],
                    "arriving": expected["arriving_hotel"],
                    "alerts": expected["open_alerts_hotel"]}
            got = {k: rows[k] for k in want}
        else:
            total = expected["overdue_street" if "street" in name else "overdue_district"]
            limit = 500 if name.endswith("_500") else 50
            want, got = {"count": total, "rows": min(limit, total)}, rows
        if got != want:
            problems.append(f"{name}: got {got}, expected {want}")
    return {"targets": checked, "problems": problems}


def reads_time(targets: dict[str, Any], reps: int) -> dict[str, dict[str, float]]:
    times: dict[str, list[float]] = {name: [] for name in targets}
    for i in range(WARMUP + reps):
        for name, call in targets.items():
            started = time.perf_counter()
            call()
            elapsed = (time.perf_counter() - started) * 1000
            if i >= WARMUP:
                times[name].append(elapsed)
    return {name: {"p50_ms": round(percentile(t, .5), 1), "p95_ms": round(percentile(t, .95), 1),
                   "max_ms": round(max(t), 1), "reps": len(t)} for name, t in times.items()}


def explain(setup: dict[str, Any], now: datetime.datetime) -> None:
    from django.db import connection

    from frontline.observation import selectors

    actor = setup["users"]["district"]
    rows = selectors.overdue_list(actor=actor, now=now).select_related("person", "hotel", "room")
    for label, qs in (("overdue first 50", rows[:50]), ("overdue count", None)):
        if qs is None:
            sql, params = rows.order_by().values("pk").query.sql_with_params()
            sql = f"SELECT COUNT(*) FROM ({sql}) sub"  # noqa: S608 - Django-made SQL
        else:
            sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            say(f"plan of {label}:\n" + "\n".join("    " + r[0] for r in cursor.fetchall()))


# -- ingestion: the server and the load process ------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_start(env: dict[str, str], port: int, workers: int, threads: int, token: str
                 ) -> subprocess.Popen:
    command = [str(PROJECT_DIR / ".venv" / "bin" / "gunicorn"), "frontline.wsgi:application",
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class",
               "gthread", "--threads", str(threads), "--keep-alive", "30",
               "--log-level", "warning", "--timeout", "120"]
    process = subprocess.Popen(command, env=env, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL,
                               stderr=sys.stderr, start_new_session=True)
    deadline = time.monotonic() + 90
    status = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/api/v1/health-checks/?observation=1",
                         headers={"Authorization": f"Token {token}"})
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    server_stop(process)
    raise RuntimeError(f"gunicorn did not answer 200 (last status {status})")


def server_stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def key_pool() -> list[tuple[int, str, int]]:
    """(observation, day, slot) keys the database does not hold, today's first."""
    from django.db import connection
    from django.utils import timezone

    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT o.id, d::date, s
              FROM observation_observation o
              CROSS JOIN LATERAL generate_series(o.start_date, LEAST(o.end_date, %s::date),
                                                 interval '1 day') AS d
              CROSS JOIN LATERAL generate_series(0, o.checks_per_day - 1) AS s
             WHERE o.status = 'active'
               AND NOT EXISTS (SELECT 1 FROM observation_healthcheck h
                                WHERE h.observation_id = o.id AND h.day = d::date
                                  AND h.slot = s)
             ORDER BY d DESC, s DESC, o.hotel_id NULLS LAST, o.id""", [today])
        return [(pk, day.isoformat(), slot) for pk, day, slot in cursor.fetchall()]


def batches_make(keys: list[tuple[int, str, int]], size: int, seed: int) -> list[list[dict]]:
    """Batches of `size` checks; consecutive keys, so a batch is one round of one day."""
    rng = random.Random(seed)
    out = []
    for i in range(0, len(keys), size):
        batch = []
        for pk, day, slot in keys[i:i + size]:
            fever = rng.random() < FEVER_SHARE
            batch.append({"observation": pk, "day": day, "slot": slot,
                          "temperature": f"{rng.randint(373, 392) / 10:.1f}" if fever
                          else f"{rng.randint(358, 372) / 10:.1f}"})
        out.append(batch)
    return out


def load_run(spec: dict[str, Any]) -> dict[str, Any]:
    """The load process: C keep-alive clients POST the prepared bodies until time is up."""
    path = spec["path"]
    headers = {"Authorization": f"Token {spec['token']}", "Content-Type": "application/json"}
    work: queue.Queue = queue.Queue()
    for item in spec["bodies"]:
        work.put(json.dumps(item).encode())
    results: list[dict[str, Any]] = []
    bulk = path.endswith("/bulk/")

    def client() -> None:
        out: dict[str, Any] = {"latencies": [], "statuses": {}, "created": 0, "duplicate": 0,
                               "row_errors": 0, "ids": [], "samples": [], "end": None}
        conn = http.client.HTTPConnection("127.0.0.1", spec["port"], timeout=120)
        while time.monotonic() < stop:
            try:
                body = work.get_nowait()
            except queue.Empty:
                break
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status = response.status
            except (http.client.HTTPException, OSError) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", spec["port"], timeout=120)
                status, data = f"{type(exc).__name__}", b""
            out["latencies"].append((time.perf_counter() - started) * 1000)
            out["end"] = time.monotonic()
            out["statuses"][str(status)] = out["statuses"].get(str(status), 0) + 1
            if bulk and status == 200:
                for row in json.loads(data):
                    if row["status"] == "created":
                        out["created"] += 1
                        out["ids"].append(row["id"])
                    elif row["status"] == "duplicate":
                        out["duplicate"] += 1
                    else:
                        out["row_errors"] += 1
                        if len(out["samples"]) < 3:
                            out["samples"].append(row)
            elif not bulk and status == 201:
                out["created"] += 1
                out["ids"].append(json.loads(data)["id"])
            elif not bulk and status == 200:
                out["duplicate"] += 1
            elif len(out["samples"]) < 3:
                out["samples"].append(f"{status}: {data[:300]!r}")
        conn.close()
        results.append(out)

    threads = [threading.Thread(target=client) for _ in range(spec["clients"])]
    begin = time.monotonic()
    stop = begin + spec["seconds"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ends = [r["end"] for r in results if r["end"] is not None]
    elapsed = (max(ends) if ends else time.monotonic()) - begin
    latencies = [v for r in results for v in r["latencies"]]
    statuses: dict[str, int] = {}
    for r in results:
        for status, n in r["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    ok_status = "200" if bulk else None
    bad_requests = sum(n for s, n in statuses.items()
                       if (s != ok_status if bulk else s not in ("200", "201")))
    return {
        "seconds": round(elapsed, 2), "requests": len(latencies),
        "created": sum(r["created"] for r in results),
        "duplicate": sum(r["duplicate"] for r in results),
        "row_errors": sum(r["row_errors"] for r in results),
        "bad_requests": bad_requests, "statuses": statuses,
        "pool_left": work.qsize(),
        "p50_ms": round(percentile(latencies, .5), 1), "p99_ms": round(percentile(latencies, .99), 1),
        "max_ms": round(max(latencies), 1) if latencies else 0.0,
        "samples": [s for r in results for s in r["samples"]][:3],
        "ids": [i for r in results for i in r["ids"]],
    }


def load_phase(spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run the load process on a spec file; its result."""
    spec_file = workdir / "load-spec.json"
    result_file = workdir / "load-result.json"
    spec_file.write_text(json.dumps(spec))
    result_file.unlink(missing_ok=True)
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--load", str(spec_file),
                    "--load-result", str(result_file)],
                   env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
                   cwd=PROJECT_DIR, check=True)
    return json.loads(result_file.read_text())


def api_rows_count(since_id: int) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COALESCE(MAX(id), %s) FROM observation_healthcheck "
                       "WHERE source = 'api' AND id > %s", [since_id, since_id])
        rows, max_id = cursor.fetchone()
    return {"rows": rows, "max_id": max_id}


def verify(ids: list[int], since_id: int) -> dict[str, int]:
    """Acknowledged ids against the rows in the database."""
    from django.db import connection

    distinct = set(ids)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM observation_healthcheck WHERE source = 'api' AND id > %s",
                       [since_id])
        in_db = {r[0] for r in cursor.fetchall()}
        cursor.execute("SELECT COUNT(*) FROM (SELECT 1 FROM observation_healthcheck "
                       "WHERE source = 'api' AND id > %s "
                       "GROUP BY observation_id, day, slot HAVING COUNT(*) > 1) t", [since_id])
        twice = cursor.fetchone()[0]
    return {"lost": len(distinct - in_db), "duplicated": (len(ids) - len(distinct)) + twice,
            "unacknowledged": len(in_db - distinct), "rows_in_db": len(in_db)}


def ingest_profile(setup: dict[str, Any], keys: list[tuple[int, str, int]], size: int) -> None:
    """One bulk request in this process under cProfile, rolled back; stats to stderr."""
    import cProfile
    import pstats

    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    body = json.dumps(batches_make(keys[:size], size, SEED + 3)[0])
    client = Client()
    with transaction.atomic():  # warm-up: URL conf, imports, first queries
        client.post("/api/v1/health-checks/bulk/", json.dumps(json.loads(body)[:5]),
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Token {setup['token']}")
        transaction.set_rollback(True)
    profiler = cProfile.Profile()
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            profiler.enable()
            response = client.post("/api/v1/health-checks/bulk/", body,
                                   content_type="application/json",
                                   HTTP_AUTHORIZATION=f"Token {setup['token']}")
            profiler.disable()
            elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    say(f"profile: one bulk request of {size} in process: {response.status_code}, "
        f"{elapsed * 1000:.0f} ms, {len(captured)} queries")
    for query in sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:8]:
        say(f"    [{query['time']} s] {query['sql'][:300]}")
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)


def ingest_bench(args, setup: dict[str, Any], env: dict[str, str], workdir: Path
                 ) -> dict[str, Any]:
    from django.db import connections

    keys = key_pool()
    if args.profile:
        ingest_profile(setup, keys, args.batch)
    reserve = min(len(keys) // 4, 20_000)  # keys kept for the single-check phase
    bulk_keys, single_keys = keys[:len(keys) - reserve], keys[len(keys) - reserve:]
    say(f"ingest: {len(keys)} new (observation, day, slot) keys; {len(bulk_keys)} for bulk, "
        f"{len(single_keys)} for single checks")
    connections.close_all()
    port = free_port()
    say(f"starting gunicorn gthread {args.workers}x{args.threads} on 127.0.0.1:{port}")
    server = server_start(server_environment(env), port, args.workers, args.threads,
                          setup["token"])
    try:
        start_id = api_rows_count(0)["max_id"]
        say(f"bulk: {args.clients} clients, batches of {args.batch}, {args.seconds:.0f} s")
        bulk = load_phase({"port": port, "token": setup["token"], "clients": args.clients,
                           "seconds": args.seconds, "path": "/api/v1/health-checks/bulk/",
                           "bodies": batches_make(bulk_keys, args.batch, SEED + 1)}, workdir)
        counted = api_rows_count(start_id)
        checked = verify(bulk["ids"], start_id)
        loadavg_ingest = round(os.getloadavg()[0], 2)
        say(f"  bulk: {bulk['created']} created in {bulk['seconds']} s, p50 {bulk['p50_ms']} ms, "
            f"p99 {bulk['p99_ms']} ms, statuses {bulk['statuses']}, {checked}")
        say(f"single: {args.clients} clients, {args.single_seconds:.0f} s")
        single_bodies = [b[0] for b in batches_make(single_keys, 1, SEED + 2)]
        single = load_phase({"port": port, "token": setup["token"], "clients": args.clients,
                             "seconds": args.single_seconds, "path": "/api/v1/health-checks/",
                             "bodies": single_bodies}, workdir)
        single_counted = api_rows_count(counted["max_id"])
        single_checked = verify(single["ids"], counted["max_id"])
        say(f"  single: {single['created']} created in {single['seconds']} s, "
            f"p50 {single['p50_ms']} ms, p99 {single['p99_ms']} ms, "
            f"statuses {single['statuses']}, {single_checked}")
    finally:
        server_stop(server)
    minutes = bulk["seconds"] / 60 if bulk["seconds"] else float("nan")
    single_minutes = single["seconds"] / 60 if single["seconds"] else float("nan")
    errors = bulk["bad_requests"] + bulk["row_errors"] + bulk["duplicate"]
    return {
        "checks_per_minute": round(counted["rows"] / minutes),
        "errors": errors,
        "p99_ms": bulk["p99_ms"],
        "lost": checked["lost"], "duplicated": checked["duplicated"],
        "bulk": {k: v for k, v in bulk.items() if k != "ids"} | {
            "rows_in_db": counted["rows"], "unacknowledged": checked["unacknowledged"],
            "batch": args.batch, "clients": args.clients, "pool": len(bulk_keys),
            "loadavg_1min_end": loadavg_ingest},
        "single": {k: v for k, v in single.items() if k != "ids"} | {
            "checks_per_minute": round(single_counted["rows"] / single_minutes),
            "rows_in_db": single_counted["rows"], "pool": len(single_keys), **single_checked},
        "server": f"gunicorn gthread {args.workers}x{args.threads}",
    }


# -- the driver -------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true",
                        help="10k observations, 200k checks, 15 s of ingestion (about a minute)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_OBSERVATION_PG_URL",
                                                           DEFAULT_PG_URL))
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--explain", action="store_true",
                        help="print the plans of the district overdue list")
    parser.add_argument("--observations", type=int)
    parser.add_argument("--checks", type=int)
    parser.add_argument("--reps", type=int)
    parser.add_argument("--seconds", type=float, help="seconds of bulk ingestion")
    parser.add_argument("--single-seconds", type=float)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile one bulk request in process (rolled back) first")
    parser.add_argument("--load", help=argparse.SUPPRESS)  # internal: the load process
    parser.add_argument("--load-result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.observations = args.observations or (QUICK_OBSERVATIONS if args.quick else OBSERVATIONS)
    args.checks = args.checks or (QUICK_CHECKS if args.quick else CHECKS)
    args.reps = args.reps or (QUICK_REPS if args.quick else REPS)
    args.seconds = args.seconds or (QUICK_SECONDS if args.quick else SECONDS)
    args.single_seconds = args.single_seconds or (QUICK_SINGLE_SECONDS if args.quick
                                                  else SINGLE_SECONDS)
    return args


def goals_met(out: dict[str, Any], full: bool) -> dict[str, Any]:
    met: dict[str, Any] = {}
    for key, goal in (("worklist_hotel", "worklist_p95_ms"),
                      ("worklist_district", "worklist_p95_ms"),
                      ("overdue_district", "overdue_p95_ms"),
                      ("overdue_street", "overdue_p95_ms")):
        value = out.get(f"{key}_p95_ms")
        if value is None:
            met[f"{key}_p95"] = False
        else:
            met[f"{key}_p95"] = value <= GOALS[goal] if full else None
    rate = out.get("ingest_checks_per_minute")
    met["ingest_checks_per_minute"] = rate is not None and rate >= GOALS["ingest_checks_per_minute"]
    for key in ("ingest_errors", "lost", "duplicated"):
        met[key] = out.get(key) == 0
    met["reads_checked"] = not out.get("reads", {}).get("problems", ["not run"])
    met["all"] = all(v is not False for v in met.values()) and full
    return met


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.load:
        result = load_run(json.loads(Path(args.load).read_text()))
        Path(args.load_result).write_text(json.dumps(result))
        return 0
    started = time.perf_counter()
    out: dict[str, Any] = {"benchmark": "observation", "quick": args.quick,
                           "observations": args.observations, "checks": args.checks}
    loadavg: dict[str, float] = {"start": round(os.getloadavg()[0], 2)}
    workdir = Path(tempfile.mkdtemp(prefix="frontline-bench-observation-"))
    (workdir / "var" / "static").mkdir(parents=True)
    env = environment(args.pg_url, str(workdir / "var"))
    try:
        database_create(args.pg_url)
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        out["error"] = f"PostgreSQL unreachable at {args.pg_url}: {type(exc).__name__}: {exc}"
        print(json.dumps(out, ensure_ascii=False), flush=True)
        return 1
    try:
        django_setup(env)
        from django.utils import timezone

        t0 = time.perf_counter()
        setup = base_setup()
        say(f"schema, divisions, users and {HOTELS} hotels in {time.perf_counter() - t0:.1f} s")
        now = timezone.now()
        t0 = time.perf_counter()
        data = data_load(setup, args.observations, args.checks, now)
        out["load_seconds"] = round(time.perf_counter() - t0, 1)
        out["loaded"] = data["loaded"]
        out["observations"] = data["loaded"]["observations"]
        out["checks"] = data["loaded"]["checks"]
        say(f"loaded {data['loaded']} in {out['load_seconds']} s; expected {data['expected']}")
        targets = read_targets(setup, now)
        checked = reads_check(targets, data["expected"])
        for problem in checked["problems"]:
            say(f"  CHECK FAILED {problem}")
        if args.explain:
            explain(setup, now)
        loadavg["reads_start"] = round(os.getloadavg()[0], 2)
        say(f"timing {args.reps} calls per target (load average {loadavg['reads_start']})")
        timed = reads_time(targets, args.reps)
        loadavg["reads_end"] = round(os.getloadavg()[0], 2)
        for name, figures in timed.items():
            figures.update(checked["targets"][name])
            say(f"  {name:22s} p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms"
                f"  {figures['queries']} queries  {figures['rows']}")
        out["reads"] = {**timed, "problems": checked["problems"]}
        for name in ("worklist_hotel", "worklist_district", "overdue_district",
                     "overdue_street"):
            out[f"{name}_p95_ms"] = timed[name]["p95_ms"]
        if not args.skip_ingest:
            try:
                ingest = ingest_bench(args, setup, env, workdir)
                out["ingest_checks_per_minute"] = ingest["checks_per_minute"]
                out["ingest_errors"] = ingest["errors"]
                out["ingest_p99_ms"] = ingest["p99_ms"]
                out["lost"] = ingest["lost"]
                out["duplicated"] = ingest["duplicated"]
                out["ingest"] = ingest
                loadavg["ingest_end"] = ingest["bulk"]["loadavg_1min_end"]
            except Exception as exc:  # noqa: BLE001 - reported in the JSON
                import traceback

                traceback.print_exc()
                out["ingest"] = {"error": f"{type(exc).__name__}: {exc}"}
    except Exception as exc:  # noqa: BLE001 - reported in the JSON
        import traceback

        traceback.print_exc()
        out["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            try:
                database_drop(args.pg_url)
            except Exception as exc:  # noqa: BLE001
                say(f"could not drop the database: {exc}")
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    full = args.observations >= OBSERVATIONS and args.checks >= CHECKS and not args.quick
    out["goals"] = GOALS
    out["goal_met"] = goals_met(out, full)
    out["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                      "loadavg": [round(v, 2) for v in os.getloadavg()],
                      "loadavg_1min_at": loadavg}
    out["date"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    out["wall_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, ensure_ascii=False, default=str), flush=True)
    return 0 if "error" not in out and "error" not in out.get("ingest", {}) else 1


if __name__ == "__main__":
    sys.exit(main())
