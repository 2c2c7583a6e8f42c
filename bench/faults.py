"""Faults benchmark: PostgreSQL restarts while desk clients check arrivals in through the API;
clients retry with idempotency keys, and every acknowledged check-in must be stored exactly once.

What it does (database frontline_faults, created and dropped here; run as root: it restarts
the PostgreSQL cluster with `pg_ctlcluster VERSION main restart`, VERSION from /etc/postgresql)
    setup       Dongcheng's divisions, a transfer point, 12 registrars with API tokens.
    server      gunicorn (gthread, 4 workers x 4 threads) on 127.0.0.1:8613, serving the real
                WSGI application with the product's settings (persistent connections with
                health checks: CONN_MAX_AGE=60, CONN_HEALTH_CHECKS).
    load        12 client threads, each a registrar sending check-ins one after another
                (POST /api/v1/arrivals/ with check_in=true: register, sort, create the Person with
                an encrypted passport, audit), each with its own Idempotency-Key. After a
                connection error, a timeout or a 5xx the client sends the same request with the
                same key again (backoff 0.2 s doubling to 5 s) until it hears 2xx or 4xx. One
                request in ten is sent again after its answer came back, as if that answer had
                been lost on the way: the second answer must be the first one replayed, naming
                the same arrival.
    fault       after a third of the run, `pg_ctlcluster VERSION main restart` (fast shutdown:
                every open transaction rolled back, every connection dropped).
                `--no-restart` skips it (a dry run that leaves PostgreSQL alone).
    worker      a task worker (`manage.py db_worker`) idles through the restart; afterwards a
                task is queued and must be run by that same process (`worker_survived`).
    counted     afterwards, in the database, for every check-in a client was told was stored
                (201): exactly one arrival with its document, checked in, with one person and
                one identity document (`lost`, `duplicated` must be 0); no arrival nobody was
                told about (`unacknowledged_rows`); one idempotency key per acknowledged check-in.

    The JSON object on the last line of stdout is the result; goals: lost = duplicated =
    unacknowledged_rows = 0, replay_mismatches = 0, check-ins succeed again after the restart,
    and worker_survived.

Usage
    .venv/bin/python bench/faults.py [--quick] [--no-restart] [--pg-url URL] [--keep]
        [--seconds N] [--workers N] [--threads N]
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
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
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/frontline_faults"
PORT = 8613
DISTRICT = "110101"
CLIENTS = 12
SECONDS, QUICK_SECONDS = 90, 30
LOST_ANSWER_RATE = 0.1
CLIENT_TIMEOUT = 10
NATIONALITIES = ["IT", "FR", "DE", "GB", "US", "JP", "KR", "RU", "ES", "PT", "IR", "EG", "BR"]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def now_iso() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


# -- the database, the cluster and the server -------------------------------------------------

def postgres_admin(url: str, statement: str) -> None:
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def other_sessions(url: str, own: str) -> dict[str, int]:
    """Client sessions of other databases on the cluster (who a restart would interrupt)."""
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT datname, count(*) FROM pg_stat_activity WHERE datname IS NOT NULL "
            "AND datname NOT IN (%s, 'postgres') AND pid <> pg_backend_pid() GROUP BY 1",
            [own]).fetchall()
    return dict(rows)


def database_create(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    postgres_admin(url, f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
                        "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")


def cluster_version() -> str:
    versions = sorted((p.name for p in Path("/etc/postgresql").iterdir()
                       if (p / "main").is_dir()), key=lambda v: [int(x) for x in v.split(".")])
    if not versions:
        raise RuntimeError("no PostgreSQL cluster 'main' under /etc/postgresql")
    return versions[-1]


def environment(url: str, var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="frontline.settings", DATABASE_URL=url, FRONTLINE_ENV="local",
        FRONTLINE_VAR_DIR=var_dir, DEBUG="false", LOG_LEVEL="ERROR",
        MEDIA_ROOT=str(Path(var_dir) / "media"), FRONTLINE_REQUIRE_2FA="false",
        TASK_BACKEND="django_tasks.backends.dummy.DummyBackend", PYTHONPATH=str(SRC_DIR),
    )
    return env


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(SRC_DIR))
    import django

    django.setup()


def data_setup() -> dict[str, Any]:
    from django.core.management import call_command

    from frontline.accounts.models import User
    from frontline.accounts.services import role_grant_from_console, token_create
    from frontline.areas.models import Jurisdiction, Level, Place
    from frontline.areas.services import division_rows_parse, divisions_load

    call_command("migrate", verbosity=0, interactive=False)
    Jurisdiction.objects.create(code="11", name="北京市", level=Level.CITY)
    rows = division_rows_parse(DIVISIONS_FILE.read_bytes())
    divisions_load(actor=None, rows=[r for r in rows if r.code.startswith(DISTRICT)])
    district = Jurisdiction.objects.get(code=DISTRICT)
    point = Place.objects.create(name="新国展分流点", name_en="Faults transfer point",
                                 kind="transfer_point", jurisdiction=district,
                                 jurisdiction_code=DISTRICT)
    communities = list(Jurisdiction.objects.filter(level=Level.COMMUNITY,
                                                   code__startswith=DISTRICT)
                       .values_list("code", flat=True))
    tokens = []
    for i in range(CLIENTS):
        user = User.objects.create_user(username=f"faults-registrar-{i:02d}")
        role_grant_from_console(user=user, role="registrar", place=point)
        _token, key = token_create(actor=user, name="faults")
        tokens.append(key)
    return {"tokens": tokens, "communities": communities}


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def worker_start(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115 - closed by the caller's process exit
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.5",
         "--no-reload", "--worker-id", "faults-bench", "-v", "1"],
        env={**env, "TASK_BACKEND": "django_tasks_db.DatabaseBackend", "LOG_LEVEL": "WARNING"},
        cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def worker_survived(worker: subprocess.Popen) -> bool:
    """Queue a small task (a duplicates search among nobody) and wait for the worker."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    if worker.poll() is not None:
        return False
    task = DBTaskResult.objects.create(
        task_path="frontline.people.tasks.import_duplicates_find",
        args_kwargs={"args": [[]], "kwargs": {}}, backend_name="default",
        queue_name="default", run_after=timezone.now())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        task.refresh_from_db()
        if task.status in ("SUCCESSFUL", "FAILED"):
            return task.status == "SUCCESSFUL" and worker.poll() is None
        time.sleep(0.3)
    return False


def server_start(env: dict[str, str], workers: int, threads: int) -> subprocess.Popen:
    command = [str(PROJECT_DIR / ".venv" / "bin" / "gunicorn"), "frontline.wsgi:application",
               "--bind", f"127.0.0.1:{PORT}", "--workers", str(workers), "--worker-class",
               "gthread", "--threads", str(threads), "--keep-alive", "5", "--log-level",
               "warning", "--timeout", "60"]
    process = subprocess.Popen(command, env=env, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL,
                               stderr=sys.stderr, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
            conn.request("GET", "/portal/en/")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    os.killpg(process.pid, signal.SIGTERM)
    raise RuntimeError("gunicorn did not start")


# -- the clients ------------------------------------------------------------------------------

class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acknowledged: dict[str, dict[str, Any]] = {}  # key -> {"id", "doc"}
        self.statuses: dict[str, int] = {}
        self.failures: list[tuple[float, str]] = []  # (monotonic time, what)
        self.successes: list[float] = []  # monotonic times of acknowledgements
        self.replayed = 0
        self.replay_mismatches = 0
        self.retries = 0
        self.refused: list[str] = []

    def count(self, what: str) -> None:
        with self.lock:
            self.statuses[what] = self.statuses.get(what, 0) + 1


def _send(port: int, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    try:
        conn.request("POST", "/api/v1/arrivals/", body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), dict(response.headers)
    finally:
        conn.close()


def client(i: int, token: str, communities: list[str], stop: float, results: Results) -> None:
    rng = random.Random(2020 + i)
    today = datetime.date.today().isoformat()  # noqa: DTZ011 - Beijing wall time, loopback
    n = 0
    while time.monotonic() < stop:
        n += 1
        nationality = rng.choice(NATIONALITIES)
        doc = f"F{i:02d}{n:07d}"
        key = f"faults-{i:02d}-{n:07d}"
        body = json.dumps({
            "family_name": f"FAULTS{i:02d}", "given_names": f"N{n}", "sex": "M",
            "birth_date": "1980-06-01", "nationality": nationality, "doc_type": "passport",
            "doc_number": doc, "doc_country": nationality, "travel_mode": "flight",
            "carrier_number": "CA934", "travel_date": today, "seat": f"{rng.randint(1, 60)}C",
            "departure_country": nationality, "visited_countries": [nationality],
            "destination": rng.choice(communities), "destination_address": "1 Faults Lane",
            "phone": "+8613800138000", "temperature": "36.5", "language": "en",
            "check_in": True}).encode()
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json",
                   "Idempotency-Key": key}
        lose_answer = rng.random() < LOST_ANSWER_RATE
        first_id = None
        delay = 0.2
        attempt = 0
        while True:
            attempt += 1
            try:
                if lose_answer and attempt == 1:
                    # The answer is "lost": noted for the check, not taken as acknowledged.
                    status, data, _headers = _send(PORT, body, headers)
                    if status == 201:
                        first_id = json.loads(data)["id"]
                    results.count("answer thrown away")
                    with results.lock:
                        results.retries += 1
                    continue
                status, data, answer_headers = _send(PORT, body, headers)
            except (OSError, http.client.HTTPException) as exc:
                results.count(type(exc).__name__)
                with results.lock:
                    results.failures.append((time.monotonic(), type(exc).__name__))
                    results.retries += 1
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            results.count(str(status))
            if status >= 500:
                with results.lock:
                    results.failures.append((time.monotonic(), str(status)))
                    results.retries += 1
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            if status == 201:
                arrival = json.loads(data)
                with results.lock:
                    results.acknowledged[key] = {"id": arrival["id"], "doc": doc,
                                                 "country": nationality}
                    results.successes.append(time.monotonic())
                    if answer_headers.get("Idempotent-Replayed") == "true":
                        results.replayed += 1
                    if first_id is not None and first_id != arrival["id"]:
                        results.replay_mismatches += 1
            else:
                with results.lock:
                    results.refused.append(f"{status} {data[:200]!r}")
            break


def restart_cluster(version: str, url: str, at: float, report: dict[str, Any]) -> None:
    time.sleep(max(0.0, at - time.monotonic()))
    report["sessions_of_other_databases"] = other_sessions(url, url.rsplit("/", 1)[1])
    report["restart_started"] = now_iso()
    began = time.monotonic()
    report["restart_began_monotonic"] = began
    done = subprocess.run(["pg_ctlcluster", version, "main", "restart"], capture_output=True,
                          text=True, check=False)
    report["restart_finished"] = now_iso()
    report["restart_finished_monotonic"] = time.monotonic()
    report["restart_seconds"] = round(time.monotonic() - began, 2)
    report["restart_exit"] = done.returncode
    if done.returncode:
        report["restart_error"] = (done.stderr or done.stdout)[-500:]
    say(f"  PostgreSQL {version}/main restarted at {report['restart_started']} in "
        f"{report['restart_seconds']} s (exit {done.returncode})")


def load(tokens: list[str], communities: list[str], seconds: float, restart: bool,
         version: str, url: str) -> tuple[Results, dict[str, Any]]:
    results = Results()
    report: dict[str, Any] = {}
    begin = time.monotonic()
    stop = begin + seconds
    threads = [threading.Thread(target=client, args=(i, tokens[i], communities, stop, results))
               for i in range(CLIENTS)]
    if restart:
        threads.append(threading.Thread(target=restart_cluster,
                                        args=(version, url, begin + seconds / 3, report)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report["elapsed"] = time.monotonic() - begin
    report["begin_monotonic"] = begin
    return results, report


# -- counting afterwards ----------------------------------------------------------------------

def count(results: Results) -> dict[str, int]:
    from django.db import connections
    from django.db.models import Count

    from frontline.arrivals.models import Arrival
    from frontline.core import crypto
    from frontline.core.models import IdempotencyKey
    from frontline.people.models import IdentityDocument
    from frontline.people.services import DOCUMENT_PURPOSE

    connections.close_all()  # the setup's connection did not survive the restart
    acked = results.acknowledged
    indexes = {crypto.blind_index(a["doc"], purpose=DOCUMENT_PURPOSE): a for a in acked.values()}
    arrivals: dict[str, list[tuple[int, str]]] = {}
    for pk, index, status in Arrival.objects.values_list(  # scoped-ok: the benchmark counts all
            "pk", "doc_number_index", "status"):
        arrivals.setdefault(index, []).append((pk, status))
    lost = duplicated = wrong = 0
    for index, ack in indexes.items():
        rows = arrivals.get(index, [])
        if not rows:
            lost += 1
        elif len(rows) > 1:
            duplicated += 1
        elif rows[0] != (ack["id"], "checked_in"):
            wrong += 1
    documents = dict(IdentityDocument.objects.filter(  # scoped-ok
        number_index__in=list(indexes)).values("number_index").annotate(
        n=Count("id")).values_list("number_index", "n"))
    missing_people = sum(1 for index in indexes if documents.get(index, 0) == 0)
    shared = sum(1 for n in documents.values() if n > 1)
    return {
        "lost": lost + missing_people,
        "duplicated": duplicated + shared,
        "wrong_answer": wrong,
        "unacknowledged_rows": sum(len(rows) for index, rows in arrivals.items()
                                   if index not in indexes),
        "arrivals": sum(len(rows) for rows in arrivals.values()),
        "identity_documents": IdentityDocument.objects.count(),  # scoped-ok
        "idempotency_keys": IdempotencyKey.objects.count(),
    }


# -- the driver -------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 30 s run")
    parser.add_argument("--no-restart", action="store_true",
                        help="do not restart PostgreSQL (a dry run of everything else)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    restart = not args.no_restart
    seconds = args.seconds or (QUICK_SECONDS if args.quick else SECONDS)
    version = cluster_version()
    skipped = None
    if restart and os.geteuid() != 0:
        skipped = "restarting PostgreSQL needs root"
        say(f"WARNING: {skipped}; running without the restart (\"restarted\": false)")
        restart = False
    if not port_free(PORT):
        raise SystemExit(f"port {PORT} is taken")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        var_dir = Path(tmp) / "var"
        (var_dir / "static").mkdir(parents=True)
        env = environment(args.pg_url, str(var_dir))
        say(f"database {args.pg_url}; PostgreSQL {version}; restart: {restart}")
        database_create(args.pg_url)
        server = worker = None
        try:
            django_setup(env)
            data = data_setup()
            from django.db import connections

            connections.close_all()
            say(f"setup {time.monotonic() - started:.1f}s; gunicorn gthread {args.workers}x"
                f"{args.threads} on {PORT}; {CLIENTS} clients for {seconds:.0f} s")
            server = server_start(env, args.workers, args.threads)
            worker = worker_start(env, Path(tmp) / "worker.log")
            results, report = load(data["tokens"], data["communities"], seconds, restart,
                                   version, args.pg_url)
            counted = count(results)
            survived = worker_survived(worker)
            if not survived:
                say((Path(tmp) / "worker.log").read_text(errors="replace")[-2000:])
        finally:
            for process in (server, worker):
                if process is not None:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=60)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            postgres_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{args.pg_url.rsplit("/", 1)[1]}" '
                                        "WITH (FORCE)")
    elapsed = report["elapsed"]
    restart_end = report.get("restart_finished_monotonic")
    after = [t for t in results.successes if restart_end and t > restart_end]
    failure_times = [t for t, _what in results.failures]
    summary = {
        "acknowledged": len(results.acknowledged),
        **counted,
        "replayed": results.replayed,
        "replay_mismatches": results.replay_mismatches,
        "refused": len(results.refused),
        "retries": results.retries,
        "failed_attempts": len(results.failures),
        "statuses": results.statuses,
        "checkins_per_s": round(len(results.acknowledged) / elapsed, 1) if elapsed else 0.0,
        "restarted": restart and report.get("restart_exit") == 0,
        "restart_skipped": skipped,
        "restart_started": report.get("restart_started"),
        "restart_finished": report.get("restart_finished"),
        "restart_seconds": report.get("restart_seconds"),
        "first_success_after_restart_s": round(after[0] - restart_end, 2) if after else None,
        "acknowledged_after_restart": len(after),
        "worker_survived": survived,
        "failures_window_s": (round(max(failure_times) - min(failure_times), 2)
                              if failure_times else 0.0),
        "sessions_of_other_databases": report.get("sessions_of_other_databases"),
        "clients": CLIENTS, "seconds": seconds,
        "server": f"gunicorn gthread {args.workers}x{args.threads}",
        "total_seconds": round(time.monotonic() - started, 1),
    }
    if results.refused:
        say(f"refused answers (first 3): {results.refused[:3]}")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
