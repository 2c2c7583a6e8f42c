"""Daily-figures benchmark: the snapshot of every figure for every unit of Beijing, a district's
dashboard and the daily bulletin, over 1M people and 2M arrivals.

What it measures (PostgreSQL, database frontline_bench_reports, created and dropped here)
    data        All of Beijing's divisions (data/beijing-divisions.csv through `manage.py
                load_divisions`: 16 districts, 349 streets, 7,535 communities) under the city
                "11"; a city-office user (city_office at 11) and a district staff user of
                Dongcheng (110101); one lodging hotel and one observation hotel per district,
                one transfer point. Then, loaded with COPY (not through the services, for
                speed), every column the services fill:
            people        N (1,000,000; 100,000 with --quick), obviously synthetic names,
                          spread at random over all 7,535 communities (residence and
                          jurisdiction_code), ~60 nationalities, not merged, not purged; one
                          category each (40 % permanent_resident, 20 % hk_mo_tw_resident,
                          10 % foreign_teacher, 15 % foreign_student, 15 % hotel_lodger), 5 %
                          a second one; arrived_on in the last 30 days for 35 %, earlier for
                          40 %, unknown for 25 %. Half of the hotel lodgers have an open
                          lodging stay (check_out empty).
            arrivals      2 x N arrivals.Arrival rows (2,000,000; 200,000 with --quick):
                          destination a random community, travel date in the last 60 days,
                          received / checked in / registered. The reports app's computations
                          count arrivals from Person.arrived_on ("arrivals_recent" and the
                          by-country table), not from this table, so these rows only weigh on
                          the database (its size, cache, checkpoints), not on any query timed.
            observations  O active observations (100,000; 10,000 with --quick) of distinct
                          people, 60 % centralised (the district's observation hotel), 40 % at
                          home, started 0-13 days ago; O/50 more completed today; 1 % of the
                          active ones with a fever check and its open alert.
                A Dongcheng meeting with 20 action items, 12 of them overdue. VACUUM ANALYZE
                and CHECKPOINT before anything is timed.
    snapshot    One city-level report definition (office "11") with a figure for every
                computation of reports.computations.COMPUTATIONS plus one manual figure, made
                through services.figure_save / definition_save as the city user. Then
                `services.run_snapshot(definition=..., day=today)` is timed once: every
                registry figure and the by-country table for every street and community of
                Beijing (7,884 units, one Submission each), as the cut-off task runs it.
            snapshot_seconds        the run of today, cold-ish (just after CHECKPOINT)
            snapshot_again_seconds  for information: the same for yesterday (a second, real
                                    snapshot, warm cache)
            snapshot_queries        the slowest SQL statements of today's snapshot
                History: yesterday's run is that real snapshot; 13 more earlier runs
                (days -2 .. -14) are made cheaply by SQL: ReportRun rows plus a copy of
                today's Submission rows with the run id changed (same figures every day, so
                the trend is flat, but the row counts are those of real history).
    dashboard   The district user GETs /reports/dashboard/ through Django's test Client
                (force_login; the real view, its selectors - latest run, trend over 14 runs,
                street_table, totals, by_country, overdue_items - and the template render),
                R times (30) after 3 warm-ups. The response is checked: 200, a Dongcheng
                street name in it.
            dashboard_p50_ms, dashboard_p95_ms, dashboard_queries
    bulletin    `reports.bulletin.build(actor=<district user>, run=<today's run>,
                english=True)`: PDF (WeasyPrint, matplotlib SVG chart) and .xlsx. The first
                build in this process (imports of WeasyPrint and matplotlib included) is the
                figure; a second one is given for information. The PDF must start with %PDF
                and pdftotext must find a Dongcheng street name in it.
            bulletin_seconds, bulletin_warm_seconds, bulletin_pdf_kb
            bulletin_city_seconds   for information: the city office's bulletin as the task
                                    builds it (bulletin_request + bulletin_build: 349 streets,
                                    7,884 units in the late list; files written, announced)

How to read it
    Goals (full size only; null with --quick): snapshot_seconds <= 10, dashboard_p95_ms <=
    300, bulletin_seconds <= 10. This machine has 2 CPUs shared with other work: the load
    average is reported at each phase (machine.loadavg_1min_at); a load above 2 inflates every
    figure. With --quick (100k people, 200k arrivals, 10k observations) the whole run takes
    about 3-4 minutes on this loaded machine, of which `migrate` alone is 50-80 s; the full
    run about 15 minutes, 12 of them loading (2M arrivals alone 8 minutes).

    The JSON object on the last line of stdout is the result; progress goes to stderr.

Usage
    .venv/bin/python bench/reports.py [--quick] [--pg-url URL] [--keep] [--profile]
        [--persons N] [--arrivals M] [--observations O] [--reps R] [--skip-city-bulletin]
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
SRC_DIR = PROJECT_DIR / "src"
DIVISIONS_FILE = PROJECT_DIR / "data" / "beijing-divisions.csv"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/frontline_bench_reports"
CITY = "11"
DISTRICT = "110101"
SEED = 20200412
PERSONS, QUICK_PERSONS = 1_000_000, 100_000
ARRIVALS_PER_PERSON = 2
OBSERVATIONS, QUICK_OBSERVATIONS = 100_000, 10_000
REPS, WARMUP = 30, 3
HISTORY_DAYS = 14
GOALS = {"snapshot_seconds": 10.0, "dashboard_p95_ms": 300.0, "bulletin_seconds": 10.0}

NATIONALITIES = [
    "DE", "FR", "IT", "ES", "PT", "GB", "IE", "NL", "BE", "CH", "AT", "SE", "NO", "DK", "FI",
    "PL", "CZ", "HU", "RO", "GR", "RU", "UA", "KZ", "US", "CA", "MX", "BR", "AR", "CL", "PE",
    "JP", "KR", "MN", "VN", "TH", "MY", "SG", "ID", "PH", "IN", "PK", "BD", "LK", "NP", "IR",
    "IQ", "SA", "AE", "EG", "MA", "NG", "KE", "ET", "ZA", "AU", "NZ", "TR", "IL", "HK", "TW",
]
CATEGORIES = [("permanent_resident", 0.40), ("hk_mo_tw_resident", 0.20),
              ("foreign_teacher", 0.10), ("foreign_student", 0.15), ("hotel_lodger", 0.15)]
FIGURE_NAMES = {
    "permanent_residents": ("外国人永久居留人员", "foreign permanent residents"),
    "hk_mo_tw_residents": ("港澳台居民", "Hong Kong, Macau and Taiwan residents"),
    "hotel_lodgers": ("酒店临时住宿人员", "hotel temporary lodgers"),
    "teachers_returned": ("近期返京外籍教师", "foreign teachers returned recently"),
    "students_returned": ("近期返京外籍学生", "foreign students returned recently"),
    "arrivals_recent": ("14天内入境人员", "arrivals in the past 14 days"),
    "centralised_observation": ("集中医学观察人数", "in centralised observation"),
    "home_observation": ("居家医学观察人数", "in home observation"),
    "observations_ended": ("当日解除观察人数", "observations ended that day"),
    "open_alerts": ("未处置健康预警", "open health alerts"),
}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def load1() -> float:
    return round(os.getloadavg()[0], 2)


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


def django_setup(url: str, var_dir: Path) -> None:
    (var_dir / "static").mkdir(parents=True, exist_ok=True)
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="frontline.settings", DATABASE_URL=url, FRONTLINE_ENV="local",
        FRONTLINE_VAR_DIR=str(var_dir), MEDIA_ROOT=str(var_dir / "media"), DEBUG="false",
        DJANGO_DEBUG="false", LOG_LEVEL="WARNING", FRONTLINE_REQUIRE_2FA="false",
        # Bulletins are built by this process, to time them; nothing runs in the background.
        TASK_BACKEND="django_tasks.backends.dummy.DummyBackend",
    )
    sys.path.insert(0, str(SRC_DIR))
    import django

    django.setup()
    import logging

    # WeasyPrint warns once per SVG property it ignores (hundreds a bulletin): not our figures.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)


# -- setup: divisions, users, places ----------------------------------------------------------

def base_setup() -> dict[str, Any]:
    from django.core.management import call_command

    from frontline.accounts.models import User
    from frontline.accounts.services import role_grant_from_console
    from frontline.areas.models import Jurisdiction, Level, Place

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    say(f"migrate: {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    Jurisdiction.objects.create(code=CITY, name="北京市", level=Level.CITY)
    out = io.StringIO()
    call_command("load_divisions", str(DIVISIONS_FILE), stdout=out, stderr=out)
    say(f"load_divisions: {out.getvalue().strip()} ({time.perf_counter() - t0:.1f} s)")
    city_office = Jurisdiction.objects.get(code=CITY)
    district_office = Jurisdiction.objects.get(code=DISTRICT)
    city = User.objects.create_user(username="bench-city")
    role_grant_from_console(user=city, role="city_office", jurisdiction=city_office)
    district = User.objects.create_user(username="bench-district")
    role_grant_from_console(user=district, role="district_staff", jurisdiction=district_office)
    districts = list(Jurisdiction.objects.filter(level=Level.DISTRICT).order_by("code"))
    lodging, observation = {}, {}
    for d in districts:
        lodging[d.code] = Place.objects.create(
            name=f"基准住宿酒店 {d.name}", name_en=f"Bench lodging hotel {d.code}",
            kind="lodging_hotel", jurisdiction=d, jurisdiction_code=d.code).pk
        observation[d.code] = Place.objects.create(
            name=f"基准观察酒店 {d.name}", name_en=f"Bench observation hotel {d.code}",
            kind="observation_hotel", jurisdiction=d, jurisdiction_code=d.code,
            capacity=20_000).pk
    transfer = Place.objects.create(name="基准转运点", name_en="Bench transfer point",
                                    kind="transfer_point", jurisdiction=city_office,
                                    jurisdiction_code=CITY).pk
    communities = list(Jurisdiction.objects.filter(level=Level.COMMUNITY)
                       .order_by("code").values_list("pk", "code"))
    units = Jurisdiction.objects.filter(level__in=[Level.STREET, Level.COMMUNITY],
                                        is_active=True).count()
    streets = list(Jurisdiction.objects.filter(level=Level.STREET, code__startswith=DISTRICT)
                   .order_by("code").values_list("name", flat=True))
    return {"city": city, "district": district, "city_office": city_office,
            "district_office": district_office, "lodging": lodging, "observation": observation,
            "transfer": transfer, "communities": communities, "units": units,
            "district_streets": streets}


# -- bulk loading -----------------------------------------------------------------------------

_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPE)
    return str(value)


class Copier:
    """COPY rows into a model's table in COPY text format. `fields` are given per row (a tuple
    in that order); every other column takes the value of an unsaved instance built from
    `template` (the model's defaults), so a new column with a default does not break this."""

    def __init__(self, model, fields: tuple[str, ...], **template: Any):
        from django.db import connection

        instance = model(**template)
        self.table = model._meta.db_table
        concrete = list(model._meta.concrete_fields)
        self.columns = [f.column for f in concrete]
        names = {f.attname for f in concrete}
        unknown = set(fields) - names
        if unknown:
            raise ValueError(f"{self.table}: no such columns {sorted(unknown)}")
        parts = []
        for f in concrete:
            if f.attname in fields:
                parts.append("{%d}" % fields.index(f.attname))  # noqa: UP031 - a format field
            else:
                value = getattr(instance, f.attname)
                if f.get_internal_type() == "JSONField":
                    value = json.dumps(value)
                else:
                    value = f.get_db_prep_save(value, connection)
                parts.append(copy_text(value).replace("{", "{{").replace("}", "}}"))
        self.line = "\t".join(parts) + "\n"
        self.count = 0

    def copy(self, rows, chunk: int = 20_000) -> int:
        """COPY an iterable of tuples; returns the number of rows."""
        from django.db import connection

        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        fmt = self.line.format
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                buffer: list[str] = []
                for row in rows:
                    buffer.append(fmt(*map(copy_text, row)))
                    if len(buffer) >= chunk:
                        copy.write("".join(buffer))
                        self.count += len(buffer)
                        buffer = []
                if buffer:
                    copy.write("".join(buffer))
                    self.count += len(buffer)
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{self.table}', 'id'), "  # noqa: S608
                           f"(SELECT COALESCE(MAX(id), 1) FROM {self.table}))")
        return self.count


def pick_category(rng: random.Random) -> str:
    x = rng.random()
    for category, share in CATEGORIES:
        if x < share:
            return category
        x -= share
    return CATEGORIES[0][0]


def data_load(setup: dict[str, Any], n_persons: int, n_arrivals: int, n_obs: int,
              now: datetime.datetime) -> dict[str, Any]:
    """People, categories, stays, arrivals, observations, checks and alerts, by COPY."""
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from frontline.arrivals.models import Arrival
    from frontline.observation.models import Alert, HealthCheck, Observation
    from frontline.people.models import LodgingStay, Person, PersonCategory

    rng = random.Random(SEED)
    today = timezone.localdate(now)
    day = datetime.timedelta(days=1)
    communities = setup["communities"]
    n_comm = len(communities)
    lodging, obs_hotel = setup["lodging"], setup["observation"]
    # Person i lives in residence[i]; its categories; plan observations and stays from them.
    residence = [rng.randrange(n_comm) for _ in range(n_persons)]
    started = time.perf_counter()
    loaded: dict[str, int] = {}
    expected = {"persons": n_persons}

    def people_rows():
        rand, randrange, choice = rng.random, rng.randrange, rng.choice
        for i in range(n_persons):
            pk = i + 1
            community_pk, code = communities[residence[i]]
            x = rand()
            arrived = (today - randrange(30) * day if x < 0.35 else
                       today - (30 + randrange(700)) * day if x < 0.75 else None)
            given = f"N{pk:07d}"
            yield (pk, "TESTPERSON", given, choice("MF"),
                   datetime.date(1950, 1, 1) + randrange(20_000) * day, choice(NATIONALITIES),
                   community_pk, code, arrived, f"n{pk:07d} testperson",
                   f"|testperson|n{pk:07d}|")

    with transaction.atomic():
        loaded["people"] = Copier(
            Person, ("id", "family_name", "given_names", "sex", "birth_date", "nationality",
                     "residence_id", "jurisdiction_code", "arrived_on", "name_key",
                     "search_text"),
            nationality="DE", created_at=now, updated_at=now).copy(people_rows())
    say(f"  people: {loaded['people']} in {time.perf_counter() - started:.1f} s")

    lodgers: list[int] = []

    def category_rows():
        pk = 0
        for i in range(n_persons):
            first = pick_category(rng)
            cats = [first]
            if rng.random() < 0.05:
                second = pick_category(rng)
                if second != first:
                    cats.append(second)
            for category in cats:
                pk += 1
                yield (pk, i + 1, category)
            if "hotel_lodger" in cats and rng.random() < 0.5:
                lodgers.append(i)

    with transaction.atomic():
        loaded["categories"] = Copier(PersonCategory, ("id", "person_id", "category")
                                      ).copy(category_rows())

    def stay_rows():
        for n, i in enumerate(lodgers):
            code = communities[residence[i]][1]
            yield (n + 1, i + 1, lodging[code[:6]], code, f"{rng.randint(2, 20)}{n % 40:02d}",
                   now - datetime.timedelta(hours=rng.randrange(1, 240)))

    with transaction.atomic():
        loaded["stays"] = Copier(LodgingStay, ("id", "person_id", "place_id",
                                               "jurisdiction_code", "room", "check_in"),
                                 source="bench", check_in=now).copy(stay_rows())
    say(f"  categories {loaded['categories']}, open stays {loaded['stays']} "
        f"in {time.perf_counter() - started:.1f} s")

    statuses = ["received"] * 6 + ["checked_in"] * 3 + ["registered"]

    def arrival_rows():
        rand, randrange, choice = rng.random, rng.randrange, rng.choice
        for n in range(n_arrivals):
            community_pk, code = communities[randrange(n_comm)]
            nationality = choice(NATIONALITIES)
            yield (n + 1, f"B{n + 1:09d}", choice(statuses), code, community_pk,
                   today - randrange(60) * day, "TESTARRIVAL", f"A{n + 1:07d}",
                   nationality, nationality if rand() < 0.7 else choice(NATIONALITIES),
                   f"CA{randrange(1000, 9999)}")

    with transaction.atomic():
        loaded["arrivals"] = Copier(
            Arrival, ("id", "reference", "status", "jurisdiction_code", "destination_id",
                      "travel_date", "family_name", "given_names", "nationality",
                      "departure_country", "carrier_number"),
            source="desk", transfer_point_id=setup["transfer"], travel_date=today,
            created_at=now, updated_at=now).copy(arrival_rows())
    say(f"  arrivals: {loaded['arrivals']} in {time.perf_counter() - started:.1f} s")

    # Observations: the first n_obs people active, the next n_obs/50 completed today.
    completed = n_obs // 50
    fevers: list[tuple[int, str, int | None]] = []
    counts = {"centralised": 0, "home": 0}

    def observation_rows():
        for i in range(min(n_persons, n_obs + completed)):
            pk = i + 1
            community_pk, code = communities[residence[i]]
            active = i < n_obs
            if active:
                kind = "centralised" if rng.random() < 0.6 else "home"
                start = today - rng.randrange(14) * day
                counts[kind] += 1
            else:
                kind, start = "home", today - 14 * day
            hotel = obs_hotel[code[:6]] if kind == "centralised" else None
            if active and rng.random() < 0.01:
                fevers.append((pk, code, hotel))
            yield (pk, pk, kind, community_pk, code, hotel,
                   "" if hotel else f"Bench Lane {pk}", start, start + 14 * day,
                   "active" if active else "completed", None if active else today,
                   None if active else now, "bench: ended" if not active else "")

    with transaction.atomic():
        loaded["observations"] = Copier(
            Observation, ("id", "person_id", "kind", "jurisdiction_id", "jurisdiction_code",
                          "hotel_id", "address", "start_date", "end_date", "status",
                          "ended_on", "closed_at", "end_reason"),
            kind="home", start_date=today, days=14, end_date=today, checks_per_day=2,
            source="bench", created_at=now, updated_at=now).copy(observation_rows())
        loaded["checks"] = Copier(
            HealthCheck, ("id", "observation_id", "jurisdiction_code", "hotel_id"),
            day=today, slot=0, temperature=Decimal("38.2"), recorded_at=now,
            source="staff").copy((n + 1, pk, code, hotel)
                                 for n, (pk, code, hotel) in enumerate(fevers))
        loaded["alerts"] = Copier(
            Alert, ("id", "observation_id", "check_record_id", "jurisdiction_code", "hotel_id"),
            kind="fever", status="open", created_at=now).copy(
                (n + 1, pk, n + 1, code, hotel) for n, (pk, code, hotel) in enumerate(fevers))
    say(f"  observations {loaded['observations']} ({counts}), alerts {loaded['alerts']} "
        f"in {time.perf_counter() - started:.1f} s")
    expected.update(centralised=counts["centralised"], home=counts["home"],
                    ended=min(completed, max(0, n_persons - n_obs)), alerts=len(fevers),
                    lodgers=len(lodgers))
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
    return {"loaded": loaded, "expected": expected,
            "seconds": round(time.perf_counter() - started, 1)}


def meeting_setup(setup: dict[str, Any]) -> None:
    """A Dongcheng meeting with 20 action items, 12 of them overdue (through the services)."""
    from django.utils import timezone

    from frontline.reports import services

    actor = setup["district"]
    now = timezone.now()
    meeting = services.meeting_create(actor=actor, jurisdiction=setup["district_office"],
                                      kind="dispatch", title="基准日调度会",
                                      held_at=now - datetime.timedelta(days=1))
    for i in range(20):
        due = now + datetime.timedelta(hours=(i - 12) * 3 + (1 if i >= 12 else 0))
        services.action_item_add(actor=actor, meeting=meeting, text=f"基准事项 {i + 1}",
                                 owner=actor, due_at=due)


# -- the snapshot -----------------------------------------------------------------------------

def definition_setup(setup: dict[str, Any]):
    from frontline.reports import services
    from frontline.reports.computations import COMPUTATIONS

    actor, office = setup["city"], setup["city_office"]
    figures = []
    for order, key in enumerate(COMPUTATIONS):
        name, name_en = FIGURE_NAMES.get(key, (key, key))
        figures.append(services.figure_save(
            actor=actor, jurisdiction=office, key=key, name=name, name_en=name_en,
            source="registry", computation=key, order=order))
    figures.append(services.figure_save(
        actor=actor, jurisdiction=office, key="hotline_calls", name="外语热线来电",
        name_en="hotline calls", source="manual", order=len(figures)))
    return services.definition_save(
        actor=actor, jurisdiction=office, name="北京市涉外人员每日情况统计（基准）",
        figures=figures, cutoff=datetime.time(8, 0), deadline=datetime.time(12, 0),
        reminders=["10:00", "11:30"])


def snapshot_time(definition, day: datetime.date, *, profile: bool = False
                  ) -> tuple[float, Any, list[dict[str, Any]]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from frontline.reports import services

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        run = services.run_snapshot(definition=definition, day=day)
        elapsed = time.perf_counter() - started
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(15)
    queries = sorted(({"seconds": float(q["time"]), "sql": q["sql"][:160]}
                      for q in captured.captured_queries), key=lambda q: -q["seconds"])
    sql_total = sum(q["seconds"] for q in queries)
    say(f"snapshot of {day}: {elapsed:.2f} s, {len(queries)} queries, "
        f"{sql_total:.2f} s in SQL")
    for q in queries[:6]:
        say(f"    [{q['seconds']:.3f} s] {q['sql']}")
    return elapsed, run, [{"seconds": round(q["seconds"], 3), "sql": q["sql"][:120]}
                          for q in queries[:5]] + [{"total_sql_seconds": round(sql_total, 2),
                                                    "queries": len(queries)}]


def snapshot_check(run, data: dict[str, Any], units: int) -> list[str]:
    """The run against what was loaded: one submission a unit, street sums = the truth."""
    from django.conf import settings
    from django.utils import timezone

    from frontline.areas.models import Level
    from frontline.people.models import Person
    from frontline.reports.models import Submission

    problems = []
    subs = Submission.objects.filter(run=run)  # scoped-ok: the bench checks
    if subs.count() != units:
        problems.append(f"{subs.count()} submissions, {units} units")
    totals: dict[str, int] = {}
    for values in subs.filter(level=Level.STREET).values_list("computed", flat=True):
        for key, n in values.items():
            totals[key] = totals.get(key, 0) + n
    today = timezone.localdate()
    since = today - datetime.timedelta(days=settings.RECENT_ARRIVAL_DAYS - 1)
    expected = data["expected"]
    truth = {
        "arrivals_recent": Person.objects.filter(  # scoped-ok: the bench checks
            arrived_on__gte=since, arrived_on__lte=today).count(),
        "centralised_observation": expected["centralised"],
        "home_observation": expected["home"], "observations_ended": expected["ended"],
        "open_alerts": expected["alerts"], "hotel_lodgers": expected["lodgers"],
        "permanent_residents": Person.objects.filter(  # scoped-ok: the bench checks
            category_links__category="permanent_resident").count(),
    }
    for key, want in truth.items():
        if totals.get(key) != want:
            problems.append(f"{key}: streets sum to {totals.get(key)}, expected {want}")
    return problems


def history_make(definition, today_run, days: int) -> dict[str, Any]:
    """Earlier runs: yesterday by a real snapshot (timed), the others by copying today's
    Submission rows in SQL under new ReportRun rows."""
    from django.db import connection, transaction
    from django.utils import timezone

    from frontline.reports.models import ReportRun, Submission

    yesterday = today_run.period_date - datetime.timedelta(days=1)
    again, _run, _queries = snapshot_time(definition, yesterday)
    tz = timezone.get_default_timezone()
    columns = [f.column for f in Submission._meta.concrete_fields
               if f.column not in ("id", "run_id")]
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    started = time.perf_counter()
    with transaction.atomic():
        for back in range(2, days + 1):
            day = today_run.period_date - datetime.timedelta(days=back)
            run = ReportRun.objects.create(
                definition=definition, jurisdiction_code=definition.jurisdiction_code,
                period_date=day,
                cutoff_at=timezone.make_aware(datetime.datetime.combine(day, definition.cutoff),
                                              tz),
                deadline_at=timezone.make_aware(
                    datetime.datetime.combine(day, definition.deadline), tz),
                computed_at=timezone.now(), by_country=today_run.by_country)
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO reports_submission (run_id, {cols}) "  # noqa: S608
                               f"SELECT %s, {cols} FROM reports_submission WHERE run_id = %s",
                               [run.pk, today_run.pk])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reports_submission")
        cursor.execute("ANALYZE reports_reportrun")
    return {"snapshot_again_seconds": round(again, 2),
            "history_runs": ReportRun.objects.filter(  # scoped-ok: the bench counts
                definition=definition).count(),
            "history_copy_seconds": round(time.perf_counter() - started, 1)}


# -- the dashboard ----------------------------------------------------------------------------

def dashboard_time(setup: dict[str, Any], reps: int) -> dict[str, Any]:
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(setup["district"])
    streets = setup["district_streets"]
    problems = []
    for _ in range(WARMUP):
        response = client.get("/reports/dashboard/")
    # The queries of one request (request_started resets connection.queries, so a wrapper).
    queries: list[tuple[float, str]] = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - started, sql))

    profiler = cProfile.Profile()
    with connection.execute_wrapper(record):
        profiler.enable()
        response = client.get("/reports/dashboard/")
        profiler.disable()
    say("profile of one dashboard request:")
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(18)
    body = response.content.decode()
    if response.status_code != 200:
        problems.append(f"dashboard answered {response.status_code}")
    missing = [s for s in streets if s not in body]
    if missing:
        problems.append(f"dashboard without the streets {missing[:3]}")
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        response = client.get("/reports/dashboard/")
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            problems.append(f"dashboard answered {response.status_code}")
            break
    slow = sorted(queries, key=lambda q: -q[0])[:3]
    return {"p50_ms": round(percentile(times, .5), 1), "p95_ms": round(percentile(times, .95), 1),
            "max_ms": round(max(times), 1), "reps": len(times), "queries": len(queries),
            "sql_ms": round(1000 * sum(q[0] for q in queries), 1), "bytes": len(body),
            "streets_shown": len(streets) - len(missing), "problems": problems,
            "slowest_sql": [{"ms": round(1000 * t, 1), "sql": sql[:120]} for t, sql in slow]}


# -- the bulletin -----------------------------------------------------------------------------

def pdf_text(pdf: bytes, workdir: Path) -> str:
    path = workdir / "bulletin-check.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def bulletin_time(setup: dict[str, Any], run, workdir: Path, city: bool) -> dict[str, Any]:
    from frontline.reports import bulletin

    actor = setup["district"]
    street = setup["district_streets"][0]
    started = time.perf_counter()
    pdf, xlsx = bulletin.build(actor=actor, run=run, english=True)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    bulletin.build(actor=actor, run=run, english=True)
    warm = time.perf_counter() - started
    problems = []
    if not pdf.startswith(b"%PDF"):
        problems.append("the bulletin is not a PDF")
    text = pdf_text(pdf, workdir) if pdf.startswith(b"%PDF") else ""
    if street not in text:
        problems.append(f"pdftotext does not find {street} in the bulletin")
    if "Daily bulletin" not in text:
        problems.append("no English in the bulletin")
    out = {"seconds": round(cold, 2), "warm_seconds": round(warm, 2),
           "pdf_kb": round(len(pdf) / 1024, 1), "xlsx_kb": round(len(xlsx) / 1024, 1),
           "problems": problems}
    say(f"bulletin (district): {out}")
    if city:
        from django.db import transaction

        with transaction.atomic():
            requested = bulletin.bulletin_request(actor=setup["city"], run=run, english=True)
        started = time.perf_counter()
        built = bulletin.bulletin_build(requested.pk)
        out["city_seconds"] = round(time.perf_counter() - started, 2)
        out["city_status"] = built.status
        if built.status == "done":
            from django.conf import settings

            out["city_pdf_kb"] = round(
                (Path(settings.MEDIA_ROOT) / built.pdf_path).stat().st_size / 1024, 1)
        else:
            problems.append(f"city bulletin {built.status}: {built.error[:200]}")
        say(f"bulletin (city, as the task): {out.get('city_seconds')} s, {built.status}")
    return out


# -- the driver -------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true",
                        help="100k people, 200k arrivals, 10k observations (3-4 minutes)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_REPORTS_PG_URL",
                                                           DEFAULT_PG_URL))
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile today's snapshot (stats to stderr)")
    parser.add_argument("--persons", type=int)
    parser.add_argument("--arrivals", type=int)
    parser.add_argument("--observations", type=int)
    parser.add_argument("--reps", type=int, default=REPS)
    parser.add_argument("--skip-city-bulletin", action="store_true")
    args = parser.parse_args(argv)
    args.persons = args.persons or (QUICK_PERSONS if args.quick else PERSONS)
    args.arrivals = args.arrivals if args.arrivals is not None else \
        args.persons * ARRIVALS_PER_PERSON
    args.observations = args.observations or (QUICK_OBSERVATIONS if args.quick else OBSERVATIONS)
    return args


def goals_met(out: dict[str, Any], full: bool) -> dict[str, Any]:
    met: dict[str, Any] = {}
    for key, goal in GOALS.items():
        value = out.get(key)
        met[key] = False if value is None else (value <= goal if full else None)
    met["checks"] = not out.get("problems", ["not run"])
    met["all"] = all(v is True for v in met.values()) if full else None
    return met


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    out: dict[str, Any] = {"benchmark": "reports", "quick": args.quick, "backend": "postgresql",
                           "persons": args.persons, "arrivals": args.arrivals,
                           "observations": args.observations}
    loadavg: dict[str, float] = {"start": load1()}
    workdir = Path(tempfile.mkdtemp(prefix="frontline-bench-reports-"))
    try:
        database_create(args.pg_url)
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        out["error"] = f"PostgreSQL unreachable at {args.pg_url}: {type(exc).__name__}: {exc}"
        print(json.dumps(out, ensure_ascii=False), flush=True)
        return 1
    problems: list[str] = []
    try:
        django_setup(args.pg_url, workdir / "var")
        from django.utils import timezone

        t0 = time.perf_counter()
        setup = base_setup()
        meeting_setup(setup)
        out["setup_seconds"] = round(time.perf_counter() - t0, 1)
        out["units"] = setup["units"]
        say(f"schema, {setup['units']} units, users and places in {out['setup_seconds']} s")
        now = timezone.now()
        data = data_load(setup, args.persons, args.arrivals, args.observations, now)
        out["load_seconds"] = data["seconds"]
        out["loaded"] = data["loaded"]
        definition = definition_setup(setup)
        today = timezone.localdate()

        loadavg["snapshot"] = load1()
        say(f"snapshot of today (load average {loadavg['snapshot']})")
        seconds, run, queries = snapshot_time(definition, today, profile=args.profile)
        out["snapshot_seconds"] = round(seconds, 2)
        out["snapshot_queries"] = queries
        problems += snapshot_check(run, data, setup["units"])
        out.update(history_make(definition, run, HISTORY_DAYS))
        say(f"history: {out['history_runs']} runs; snapshot of yesterday "
            f"{out['snapshot_again_seconds']} s")

        loadavg["dashboard"] = load1()
        say(f"dashboard: {args.reps} GETs (load average {loadavg['dashboard']})")
        dash = dashboard_time(setup, args.reps)
        problems += dash.pop("problems")
        out["dashboard_p50_ms"], out["dashboard_p95_ms"] = dash["p50_ms"], dash["p95_ms"]
        out["dashboard_queries"] = dash["queries"]
        out["dashboard"] = dash
        say(f"  {dash}")

        loadavg["bulletin"] = load1()
        say(f"bulletin (load average {loadavg['bulletin']})")
        bull = bulletin_time(setup, run, workdir, not args.skip_city_bulletin)
        problems += bull.pop("problems")
        out["bulletin_seconds"] = bull["seconds"]
        out["bulletin_warm_seconds"] = bull["warm_seconds"]
        out["bulletin_pdf_kb"] = bull["pdf_kb"]
        if "city_seconds" in bull:
            out["bulletin_city_seconds"] = bull["city_seconds"]
        out["bulletin"] = bull
    except Exception as exc:  # noqa: BLE001 - reported in the JSON
        import traceback

        traceback.print_exc()
        out["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110 - Django may not be set up
            pass
        if not args.keep:
            try:
                database_drop(args.pg_url)
            except Exception as exc:  # noqa: BLE001
                say(f"could not drop the database: {exc}")
        shutil.rmtree(workdir, ignore_errors=True)
    for problem in problems:
        say(f"CHECK FAILED {problem}")
    out["problems"] = problems
    full = (not args.quick and args.persons >= PERSONS and args.observations >= OBSERVATIONS
            and args.arrivals >= PERSONS * ARRIVALS_PER_PERSON)
    out["goals"] = GOALS
    out["goal_met"] = goals_met(out, full)
    loadavg["end"] = load1()
    out["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                      "loadavg": [round(v, 2) for v in os.getloadavg()],
                      "loadavg_1min_at": loadavg}
    out["date"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    out["wall_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, ensure_ascii=False, default=str), flush=True)
    return 0 if "error" not in out and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
