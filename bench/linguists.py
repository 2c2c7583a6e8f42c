"""Language pool benchmark: how fast are the candidates of one need ranked, and does a burst of
concurrent accepts of one offer give exactly one assignment?

What it measures
    A pool of M members (10,000) in the 17 streets of one district, each speaking one or two
    of eight languages (English the most common) with levels 1-5 per skill; half of them give
    weekly availability (three slots), 5 % have an unavailable period in the coming week;
    past completed shifts (two to four per member in the last 14 days, for the fairness
    figure) and upcoming assigned shifts (for the load figure); N open needs (500) over the
    next seven days at 21 posts, in all eight languages, with random minimum levels.

        rank        selectors.rank_candidates(actor=district staff, need=a random open need),
                    the function the need page and GET /api/v1/linguists/needs/{id}/candidates/
                    call: every speaker of the need's language in scope, ranked with reasons,
                    and the excluded with why. Timed over R needs (200; 40 with --quick)
                    after 5 warm-up calls and gc.freeze(), as a server worker runs it
                    (frontline/wsgi.py freezes what the worker loaded at start).
        accept      one need for one person; K members are offered it. Two bursts:
                    same_offer: T threads accept the same offer at once;
                    many_offers: T threads each accept their own offer of the need at once.
                    Each thread has its own database connection and calls the real service
                    (services.offer_accept); the losers must get a ValidationError. The
                    result must be exactly one shift and one "won".

    Each backend runs in its own subprocess on a fresh database: SQLite in a temporary
    directory, PostgreSQL in the database frontline_bench_linguists (created and dropped).
    PostgreSQL allows 100 connections by default, shared with everyone on the machine; the
    burst holds at most `in_flight` connections at once (all T accepts are made, up to
    `in_flight` of them at the same instant, released together by a barrier), and the JSON
    says how many that was.

How to read it
    rank.p50_ms, rank.p95_ms   median and 95th percentile of one ranking, in ms (goal p95 <= 50)
    rank.cpu_p50_ms, cpu_p95_ms  the same in CPU time of this process (on SQLite that is all
                               the work; on PostgreSQL the server's share is not in it): on a
                               busy machine it shows the cost without the wait for a core
    rank.queries               SQL queries of one ranking (fixed, whatever the pool size)
    rank.speakers_avg          members ranked or excluded per need (the speakers of its language)
    accept.*.won               accepts that succeeded: must be exactly 1
    accept.*.refused           accepts refused with a clear message (ValidationError)
    accept.*.other_errors      anything else (must be 0)
    accept.*.shifts            shifts of the need afterwards: must be 1
    goal_met                   per backend: rank p95 within the goal and exactly one winner

    The JSON object on the last line of stdout is the result; the lines before it (stderr)
    are for people.

Usage
    .venv/bin/python bench/linguists.py [--quick] [--backends sqlite,postgresql]
        [--members M] [--needs N] [--rankings R] [--threads T] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
SRC_DIR = PROJECT_DIR / "src"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/frontline_bench_linguists"
SEED = 20200413
MEMBERS, NEEDS = 10_000, 500
RANKINGS, QUICK_RANKINGS, WARMUP = 200, 40, 5
THREADS = 100
GOAL_P95_MS = 50.0
LANGUAGES = ["en", "ja", "ko", "es", "fr", "ru", "it", "de"]
LANGUAGE_WEIGHTS = [40, 12, 12, 9, 9, 8, 5, 5]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# -- setup --------------------------------------------------------------------------------------

def postgres_admin(url: str, statement: str) -> None:
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def postgres_free_connections(url: str) -> int:
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        limit = int(conn.execute("SHOW max_connections").fetchone()[0])
        reserved = int(conn.execute("SHOW superuser_reserved_connections").fetchone()[0])
        used = conn.execute("SELECT count(*) FROM pg_stat_activity").fetchone()[0]
    return limit - reserved - used


def django_setup(url: str, var_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="frontline.settings", FRONTLINE_ENV="local",
        FRONTLINE_VAR_DIR=var_dir, MEDIA_ROOT=str(Path(var_dir) / "media"), DEBUG="false",
        LOG_LEVEL="WARNING", FRONTLINE_REQUIRE_2FA="false",
        TASK_BACKEND="django_tasks.backends.dummy.DummyBackend",
    )
    if url:
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)
    (Path(var_dir) / "static").mkdir(exist_ok=True)
    sys.path.insert(0, str(SRC_DIR))
    import django

    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    # Tables straight from the models (like pytest --nomigrations): replaying every app's
    # migrations would take most of a --quick run. The one migration this benchmark relies
    # on, PostgreSQL's no-overlap constraint, is applied by hand below.
    settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
    call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
    if connection.vendor == "postgresql":
        import importlib

        no_overlap = importlib.import_module(
            "frontline.linguists.migrations.0002_no_double_booking")
        with connection.schema_editor() as editor:
            no_overlap.forwards(apps, editor)


def load_pool(args: argparse.Namespace) -> dict[str, Any]:
    """The district, its streets, one district staff account and the pool, in bulk."""
    from django.db import connection
    from django.utils import timezone

    from frontline.accounts.models import User
    from frontline.accounts.services import role_grant_from_console
    from frontline.areas.models import Jurisdiction, Level
    from frontline.linguists.models import (
        Availability,
        Linguist,
        LinguistLanguage,
        Need,
        Post,
        Shift,
        ShiftStatus,
        Unavailability,
    )

    rng = random.Random(SEED)
    started = time.perf_counter()
    city = Jurisdiction.objects.create(code="11", name="北京市", level=Level.CITY)
    district = Jurisdiction.objects.create(code="110101", name="东城区", level=Level.DISTRICT,
                                           parent=city)
    streets = [Jurisdiction.objects.create(code=f"110101{i:03d}", name=f"街道{i}",
                                           level=Level.STREET, parent=district)
               for i in range(1, 18)]
    user = User.objects.create_user(username="bench-district", password="bench-password-1234")
    role_grant_from_console(user=user, role="district_staff", jurisdiction=district)

    members = [Linguist(name=f"BENCH member {i:05d}", unit=(s := rng.choice(streets)),
                        jurisdiction_code=s.code,
                        status=rng.choices(["active", "reserve", "deployed", "inactive"],
                                           [70, 20, 5, 5])[0])
               for i in range(args.members)]
    planned: dict[int, list[tuple[int, int]]] = {}
    for i, m in enumerate(members):  # weekly slots, also kept as text on the member row
        if rng.random() < 0.5:
            planned[i] = [(rng.randint(0, 6), rng.choice([8, 9, 13, 18])) for _ in range(3)]
            m.weekly = ";".join(f"{d} {h:02d}:00 {(h + 8) % 24:02d}:00"
                                for d, h in sorted(planned[i]))
    Linguist.objects.bulk_create(members, batch_size=2000)
    languages, slots, away = [], [], []
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for i, m in enumerate(members):
        spoken = set(rng.choices(LANGUAGES, LANGUAGE_WEIGHTS, k=rng.choice([1, 1, 2])))
        for code in spoken:
            languages.append(LinguistLanguage(
                linguist=m, language=code, jurisdiction_code=m.jurisdiction_code, listening=rng.randint(1, 5),
                speaking=rng.randint(1, 5), reading=rng.randint(1, 5), writing=rng.randint(1, 5),
                in_reserve_pool=rng.random() < 0.15))
        for weekday, start in planned.get(i, ()):
            slots.append(Availability(linguist=m, weekday=weekday, start=datetime.time(start),
                                      end=datetime.time((start + 8) % 24)))
        if rng.random() < 0.05:
            begin = now + datetime.timedelta(hours=rng.randint(0, 150))
            away.append(Unavailability(linguist=m, starts_at=begin,
                                       ends_at=begin + datetime.timedelta(days=2),
                                       reason="leave"))
    LinguistLanguage.objects.bulk_create(languages, batch_size=5000)
    Availability.objects.bulk_create(slots, batch_size=5000)
    Unavailability.objects.bulk_create(away, batch_size=5000)

    posts = [Post.objects.create(name=f"Desk {s.code}", kind="street_desk", jurisdiction=s,
                                 jurisdiction_code=s.code) for s in streets]
    posts += [Post.objects.create(name=f"Post {k}", kind=k, jurisdiction=district,
                                  jurisdiction_code="110101", essential=True)
              for k in ("transfer_point", "observation_hotel", "observation_hotel", "hotline")]

    def need(post, language, start, hours, **extra):
        return Need(post=post, jurisdiction_code=post.jurisdiction_code, language=language,
                    starts_at=start, ends_at=start + datetime.timedelta(hours=hours), **extra)

    open_needs = [need(rng.choice(posts), rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0],
                       now + datetime.timedelta(hours=rng.randint(1, 160)),
                       rng.choice([4, 8, 12, 14]), people=rng.choice([1, 1, 2, 3]),
                       min_speaking=rng.randint(0, 4), min_listening=rng.randint(0, 3))
                  for _ in range(args.needs)]
    Need.objects.bulk_create(open_needs, batch_size=1000)

    # Past completed shifts (fairness) and upcoming assigned shifts (load), never overlapping
    # for one member: each member's shifts fall on distinct days.
    past_needs = [need(rng.choice(posts), "en", now - datetime.timedelta(days=d, hours=8), 8,
                       status="filled") for d in range(1, 15)]
    future_needs = [need(rng.choice(posts), "en", now + datetime.timedelta(days=d, hours=200),
                         8, status="filled") for d in range(1, 8)]
    Need.objects.bulk_create(past_needs + future_needs)
    shifts = []
    for m in members[: len(members) // 2]:
        for n in rng.sample(past_needs, rng.randint(2, 4)):
            shifts.append(Shift(need=n, linguist=m, jurisdiction_code=n.jurisdiction_code,
                                starts_at=n.starts_at, ends_at=n.ends_at,
                                status=ShiftStatus.COMPLETED, minutes_served=480))
        for n in rng.sample(future_needs, rng.randint(0, 2)):
            shifts.append(Shift(need=n, linguist=m, jurisdiction_code=n.jurisdiction_code,
                                starts_at=n.starts_at, ends_at=n.ends_at))
    Shift.objects.bulk_create(shifts, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum does after a bulk load (its insert threshold): statistics, and
            # the visibility map that lets index-only scans skip the table.
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    load_seconds = round(time.perf_counter() - started, 1)
    say(f"loaded {len(members)} members, {len(languages)} languages, {len(open_needs)} open "
        f"needs, {len(shifts)} shifts in {load_seconds} s")
    return {"user": user, "open_needs": [n.pk for n in open_needs], "posts": posts,
            "members": len(members), "languages": len(languages), "shifts": len(shifts),
            "load_seconds": load_seconds, "now": now}


# -- ranking ------------------------------------------------------------------------------------

def rank_bench(args: argparse.Namespace, setup: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from frontline.linguists.models import Need
    from frontline.linguists.selectors import rank_candidates

    rng = random.Random(SEED + 1)
    user = setup["user"]
    needs = list(Need.objects.filter(pk__in=setup["open_needs"]))
    for need in rng.sample(needs, WARMUP):
        rank_candidates(actor=user, need=need)
    # A server worker freezes what it loaded at start (frontline/wsgi.py), so that the cyclic
    # collector's full passes skip it; this process does the same once the pool is loaded.
    gc.collect()
    gc.freeze()
    with CaptureQueriesContext(connection) as captured:
        rank_candidates(actor=user, need=needs[0])
    times, cpu, speakers, eligible = [], [], [], []
    for _ in range(args.rankings):
        need = rng.choice(needs)
        user.forget_roles()  # each request re-reads its user's roles, as a page would
        t0, c0 = time.perf_counter(), time.process_time()
        ranking = rank_candidates(actor=user, need=need)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        speakers.append(len(ranking.candidates) + len(ranking.excluded))
        eligible.append(len(ranking.candidates))
    return {"samples": len(times), "p50_ms": round(percentile(times, 0.5), 1),
            "p95_ms": round(percentile(times, 0.95), 1), "max_ms": round(max(times), 1),
            "cpu_p50_ms": round(percentile(cpu, 0.5), 1),
            "cpu_p95_ms": round(percentile(cpu, 0.95), 1),
            "queries": len(captured), "speakers_avg": round(sum(speakers) / len(speakers)),
            "eligible_avg": round(sum(eligible) / len(eligible))}


# -- concurrent accepts -------------------------------------------------------------------------

def _burst(offers: list, in_flight: int, user) -> dict[str, Any]:
    from django.core.exceptions import ValidationError
    from django.db import connections

    from frontline.linguists import services

    results: list[str] = []
    lock = threading.Lock()
    gate = threading.Semaphore(in_flight)
    waves = [offers[i:i + in_flight] for i in range(0, len(offers), in_flight)]
    started = time.perf_counter()
    for wave in waves:
        barrier = threading.Barrier(len(wave))

        def accept(offer, barrier=barrier):
            with gate:
                try:
                    barrier.wait(timeout=60)
                    services.offer_accept(actor=user, offer=offer)
                    outcome = "won"
                except ValidationError:
                    outcome = "refused"
                except Exception as exc:  # noqa: BLE001 - reported in the JSON
                    outcome = f"error {type(exc).__name__}: {exc}"[:200]
                finally:
                    connections.close_all()
                with lock:
                    results.append(outcome)

        threads = [threading.Thread(target=accept, args=(o,)) for o in wave]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    errors = [r for r in results if r.startswith("error")]
    return {"accepts": len(results), "in_flight": min(in_flight, len(offers)),
            "won": results.count("won"), "refused": results.count("refused"),
            "other_errors": len(errors), "first_error": errors[0] if errors else None,
            "seconds": round(time.perf_counter() - started, 2)}


def accept_bench(args: argparse.Namespace, setup: dict[str, Any],
                 in_flight: int) -> dict[str, Any]:
    from django.db import connections
    from django.utils import timezone

    from frontline.linguists import services
    from frontline.linguists.models import Linguist, LinguistLanguage, Shift

    user = setup["user"]
    out = {}
    for kind in ("same_offer", "many_offers"):
        start = timezone.now() + datetime.timedelta(days=30 + len(out))
        need = services.need_create(actor=user, post=setup["posts"][0], language="en",
                                    starts_at=start, ends_at=start + datetime.timedelta(hours=8))
        fresh = Linguist.objects.bulk_create([
            Linguist(name=f"BENCH burst {kind} {i}", unit=setup["posts"][0].jurisdiction,
                     jurisdiction_code=setup["posts"][0].jurisdiction_code)
            for i in range(args.threads)])
        LinguistLanguage.objects.bulk_create([
            LinguistLanguage(linguist=m, language="en", listening=4, speaking=4, reading=4,
                             writing=4, jurisdiction_code=m.jurisdiction_code) for m in fresh])
        offers = services.offer_send(actor=user, need=need, linguists=fresh)
        targets = [offers[0]] * args.threads if kind == "same_offer" else offers
        connections.close_all()
        result = _burst(targets, in_flight, user)
        result["shifts"] = Shift.objects.filter(need=need).count()
        result["ok"] = result["won"] == 1 and result["shifts"] == 1 and \
            result["other_errors"] == 0
        out[kind] = result
        say(f"accept {kind}: {result}")
    return out


# -- one backend (in a subprocess) --------------------------------------------------------------

def run_backend(args: argparse.Namespace) -> dict[str, Any]:
    backend = args.child
    out: dict[str, Any] = {"backend": backend}
    workdir = tempfile.mkdtemp(prefix=f"frontline-bench-linguists-{backend}-")
    url = args.pg_url if backend == "postgresql" else ""
    if backend == "postgresql":
        name = url.rsplit("/", 1)[1]
        postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}"')
        postgres_admin(url, f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
    try:
        django_setup(url, workdir)
        setup = load_pool(args)
        out.update(members=setup["members"], member_languages=setup["languages"],
                   open_needs=len(setup["open_needs"]), shifts=setup["shifts"],
                   load_seconds=setup["load_seconds"])
        out["rank"] = rank_bench(args, setup)
        say(f"{backend} rank: {out['rank']}")
        in_flight = args.threads
        if backend == "postgresql":
            in_flight = max(2, min(args.threads, postgres_free_connections(url) - 10))
        out["accept"] = accept_bench(args, setup, in_flight)
        out["goal_met"] = (out["rank"]["p95_ms"] <= GOAL_P95_MS
                           and all(r["ok"] for r in out["accept"].values()))
    except Exception as exc:  # noqa: BLE001 - reported in the JSON
        import traceback

        traceback.print_exc()
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["goal_met"] = False
    finally:
        if backend == "postgresql":
            from django.db import connections

            connections.close_all()
            try:
                postgres_admin(url, f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')
            except Exception as exc:  # noqa: BLE001
                say(f"could not drop the database: {exc}")
    return out


# -- main ---------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true",
                        help="2,000 members, 100 needs, 40 rankings, 100 accepts")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url",
                        default=os.environ.get("BENCH_LINGUISTS_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--members", type=int)
    parser.add_argument("--needs", type=int)
    parser.add_argument("--rankings", type=int)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.members = args.members or (2_000 if args.quick else MEMBERS)
    args.needs = args.needs or (100 if args.quick else NEEDS)
    args.rankings = args.rankings or (QUICK_RANKINGS if args.quick else RANKINGS)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        print(json.dumps(run_backend(args), ensure_ascii=False, default=str), flush=True)
        return 0
    started = time.perf_counter()
    out: dict[str, Any] = {"benchmark": "linguists", "quick": args.quick,
                           "members": args.members, "needs": args.needs,
                           "goal_p95_ms": GOAL_P95_MS, "backends": {}}
    load_before = round(os.getloadavg()[0], 2)
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        command = [sys.executable, __file__, "--child", backend, "--pg-url", args.pg_url,
                   "--members", str(args.members), "--needs", str(args.needs),
                   "--rankings", str(args.rankings), "--threads", str(args.threads)]
        say(f"-- {backend}")
        proc = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        sys.stderr.write(proc.stderr)
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        try:
            out["backends"][backend] = json.loads(lines[-1])
        except (IndexError, ValueError):
            out["backends"][backend] = {"error": f"exit {proc.returncode}", "goal_met": False}
    out["goal_met"] = bool(out["backends"]) and all(
        b.get("goal_met") for b in out["backends"].values())
    out["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                      "loadavg_1min": [load_before, round(os.getloadavg()[0], 2)]}
    out["date"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    out["wall_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0 if out["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
