"""Person-registry benchmark: importing a 100k-row hotel lodgers workbook, and searching 1M people.

What it measures (PostgreSQL, database frontline_bench_people, created and dropped here)
    import
        A lodgers .xlsx of N rows (100,000; 10,000 with --quick) is generated: synthetic
        people of ~60 nationalities (about a quarter with a Chinese name), spread over
        Dongcheng's 169 communities and five hotels, 3 % of them repeat guests (a second
        stay under the same passport). It goes through the real import service, as the
        background tasks run it: `import_upload` (store, fingerprint), `import_check` (hostile
        file checks, openpyxl, every row validated, documents looked up) and, after
        `import_confirm`, `import_execute` in all-or-nothing mode (people, encrypted and
        blind-indexed documents, categories, name grams, stays, per-person change-log
        entries, one transaction).
            import_seconds  upload + check + import: what the user waits for
            floor_seconds   openpyxl reading the same file (read-only mode) + a bulk insert of
                            the same rows into the people table (rolled back), same run
            ratio           import_seconds / floor_seconds        (goal <= 3)
        The goal for import_seconds is <= 60 s at 100k rows on this 2-core machine. The same
        file is then imported a second time (`reimport_seconds`), which must change nothing,
        and the duplicate search the import queues is timed on its own (`duplicates_seconds`).
    search
        M people (1,000,000; 100,000 with --quick) are bulk-loaded with COPY: the same derived
        fields the services compute (name_key, search_text, two-character name grams, a
        passport with its blind index and masked number; the encrypted number is a
        placeholder, search never decrypts), spread over all of Beijing's communities, 20 %
        with a Chinese name. Then `person_list(actor=<Dongcheng district staff>, query=...)[:50]`
        is evaluated (with its prefetches) for three kinds of query, each a different existing
        value: a Latin family name, two characters of a Chinese name, a document number.
        A city-office user (the whole million in scope) is timed too, for information.
            p50_ms, p95_ms  per query kind; the goal is p95 <= 150 ms for the district user

    The JSON object on the last line of stdout is the result.

Usage
    .venv/bin/python bench/people.py [--quick] [--pg-url URL] [--keep] [--skip-search]
        [--skip-import] [--profile]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
SRC_DIR = PROJECT_DIR / "src"
DIVISIONS_FILE = PROJECT_DIR / "data" / "beijing-divisions.csv"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/frontline_bench_people"
DISTRICT = "110101"
SEED = 20200310
ROWS, QUICK_ROWS = 100_000, 10_000
PERSONS, QUICK_PERSONS = 1_000_000, 100_000
QUERIES, QUICK_QUERIES, WARMUP = 60, 30, 5
GOAL_IMPORT_SECONDS, GOAL_RATIO, GOAL_P95_MS = 60.0, 3.0, 150.0

NATIONALITIES = [
    "DE", "FR", "IT", "ES", "PT", "GB", "IE", "NL", "BE", "CH", "AT", "SE", "NO", "DK", "FI",
    "PL", "CZ", "HU", "RO", "GR", "RU", "UA", "KZ", "US", "CA", "MX", "BR", "AR", "CL", "PE",
    "JP", "KR", "MN", "VN", "TH", "MY", "SG", "ID", "PH", "IN", "PK", "BD", "LK", "NP", "IR",
    "IQ", "SA", "AE", "EG", "MA", "NG", "KE", "ET", "ZA", "AU", "NZ", "TR", "IL", "HK", "TW",
]
SYLLABLES = ["an", "be", "ka", "lo", "mi", "no", "ri", "sa", "ta", "vo", "el", "ju", "ko", "ma",
             "ne", "pa", "ro", "si", "to", "ve", "da", "fi", "go", "hu", "ly", "ze", "cha", "sch",
             "ov", "ski", "son", "sen", "ez", "ini", "ura", "ami", "kov", "ber", "dor", "lin"]
GIVEN = ["ANNA", "MARIA", "JOHN", "DAVID", "YUKI", "MINJI", "OLGA", "IVAN", "LUCA", "SOFIA",
         "AHMED", "FATIMA", "PEDRO", "ANA", "TOM", "EMMA", "NOAH", "MIA", "LEO", "ELENA",
         "HANS", "EVA", "OMAR", "SARA", "KENJI", "HARU", "DMITRI", "IRINA", "JUAN", "CARLOS",
         "PAUL", "LEA", "MAX", "NINA", "ALI", "ZARA", "RAJ", "PRIYA", "NGUYEN", "LINH"]
ZH_FAMILY = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
ZH_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建文斌宇浩凯健俊帆帅"
    "旭宁龙林欣雪琳晨阳佳思雨婷子涵梓轩一诺依然嘉怡博文若曦安琪天佑雅琪海峰志强永明晓"
    "东春梅秋菊冬梅德华国庆建国"
)


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


def database_create(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}"')
    postgres_admin(url, f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')


def database_drop(url: str) -> None:
    from django.db import connections

    connections.close_all()
    name = url.rsplit("/", 1)[1]
    postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}"')


def django_setup(url: str, var_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="frontline.settings", DATABASE_URL=url, FRONTLINE_ENV="local",
        FRONTLINE_VAR_DIR=var_dir, MEDIA_ROOT=str(Path(var_dir) / "media"), DEBUG="false",
        LOG_LEVEL="WARNING", FRONTLINE_REQUIRE_2FA="false",
        # The bench runs the tasks' bodies itself, to time each step.
        TASK_BACKEND="django_tasks.backends.dummy.DummyBackend",
    )
    (Path(var_dir) / "static").mkdir(exist_ok=True)
    sys.path.insert(0, str(SRC_DIR))
    import django

    django.setup()


def registry_setup() -> dict[str, Any]:
    from django.core.management import call_command

    from frontline.accounts.models import User
    from frontline.accounts.services import role_grant_from_console
    from frontline.areas.models import Jurisdiction, Level, Place
    from frontline.areas.services import division_rows_parse, divisions_load

    call_command("migrate", verbosity=0, interactive=False)
    Jurisdiction.objects.create(code="11", name="北京市", level=Level.CITY)
    report = divisions_load(actor=None, rows=division_rows_parse(DIVISIONS_FILE.read_bytes()))
    if report.rejected:
        raise RuntimeError(f"division rows rejected: {report.rejected[:3]}")
    district = User.objects.create_user(username="bench-district")
    role_grant_from_console(user=district, role="district_staff",
                            jurisdiction=Jurisdiction.objects.get(code=DISTRICT))
    city = User.objects.create_user(username="bench-city")
    role_grant_from_console(user=city, role="city_office",
                            jurisdiction=Jurisdiction.objects.get(code="11"))
    streets = list(Jurisdiction.objects.filter(level=Level.STREET, code__startswith=DISTRICT)
                   .order_by("code")[:5])
    hotels = [Place.objects.create(name=f"基准酒店{i + 1}", name_en=f"Bench Hotel {i + 1}",
                                   kind="lodging_hotel", jurisdiction=street,
                                   jurisdiction_code=street.code)
              for i, street in enumerate(streets)]
    return {"district": district, "city": city, "hotels": hotels}


# -- synthetic people ---------------------------------------------------------------------------

class People:
    """Deterministic synthetic people: Latin names from syllables, some Chinese names."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def family(self) -> str:
        rng = self.rng
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).upper()

    def zh(self) -> str:
        rng = self.rng
        return rng.choice(ZH_FAMILY) + "".join(rng.choice(ZH_GIVEN)
                                                for _ in range(rng.randint(1, 2)))

    def birth(self) -> datetime.date:
        return datetime.date(1940, 1, 1) + datetime.timedelta(days=self.rng.randrange(25_000))


def lodgers_workbook(path: Path, rows: int, communities: list[str], hotels: list[str]) -> int:
    """A lodgers .xlsx as a hotel feed would send it; returns the distinct documents."""
    from openpyxl import Workbook

    from frontline.people.imports.columns import COLUMNS

    fields = ["family_name", "given_names", "name_zh", "sex", "birth_date", "nationality",
              "doc_type", "doc_number", "issuing_country", "doc_expiry", "phone", "hotel",
              "room", "check_in", "check_out", "residence", "address"]
    gen = People(SEED)
    rng = gen.rng
    now = datetime.datetime.now().replace(microsecond=0)  # noqa: DTZ005 - Beijing wall time
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("lodgers")
    sheet.append([COLUMNS[f].header for f in fields])
    guests: list[list] = []
    distinct = 0
    for i in range(rows):
        check_in = now - datetime.timedelta(minutes=rng.randrange(60 * 24 * 60) + 60)
        check_out = check_in + datetime.timedelta(hours=rng.randrange(20, 240))
        hotel = rng.choice(hotels)
        room = f"{rng.randint(2, 20)}{rng.randint(1, 40):02d}"
        if guests and rng.random() < 0.03:  # a repeat guest: same person, another stay
            base = rng.choice(guests)
            row = [*base[:11], hotel, room, check_in, check_out if check_out < now else None,
                   base[15], base[16]]
            sheet.append(row)
            continue
        nationality = rng.choice(NATIONALITIES)
        number = f"{chr(65 + rng.randrange(26))}{i:08d}"
        phone = (f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
                 if rng.random() < 0.8 else "")
        code = rng.choice(communities)
        row = [gen.family(), rng.choice(GIVEN), gen.zh() if rng.random() < 0.25 else "",
               rng.choice("MF"), gen.birth(),
               nationality if i % 7 else rng.choice(["德国", "Japan", "KOR", nationality]),
               "护照" if i % 2 else "passport", number, "", datetime.date(2030, 1, 1), phone,
               hotel, room, check_in, check_out if check_out < now else None, code,
               f"东城区某路 {rng.randint(1, 300)} 号"]
        if row[5] == "德国":
            row[8] = "DE"
        sheet.append(row)
        distinct += 1
        if len(guests) < 5000:
            guests.append(row)
    workbook.save(path)
    return distinct


# -- the import ---------------------------------------------------------------------------------

def timed(fn, *args, **kwargs) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def floor_measure(path: Path, communities: dict[str, int]) -> dict[str, float]:
    """openpyxl reading the file + a bulk insert of the same rows into the people table."""
    from django.db import transaction
    from openpyxl import load_workbook

    from frontline.people.models import Person

    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))[1:]
    workbook.close()
    read = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        Person.objects.bulk_create([
            Person(family_name=r[0], given_names=r[1], name_zh=r[2] or "", sex=r[3],
                   birth_date=r[4], nationality="DE", residence_id=communities[r[15]],
                   jurisdiction_code=r[15], name_key="", search_text="")
            for r in rows], batch_size=2000)
        transaction.set_rollback(True)
    insert = time.perf_counter() - started
    return {"openpyxl_read_seconds": round(read, 2), "bulk_insert_seconds": round(insert, 2),
            "floor_seconds": round(read + insert, 2)}


def import_once(path: Path, setup: dict[str, Any], *, profile: bool = False
                ) -> dict[str, Any]:
    from django.core.files import File

    from frontline.people import imports
    from frontline.people.models import ImportJob

    actor = setup["district"]
    t_upload, job = timed(lambda: imports.import_upload(
        actor=actor, kind="lodgers", file=File(open(path, "rb"), name=path.name),  # noqa: SIM115
        place=setup["hotels"][0], language="zh-hans"))
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t_check, job = timed(imports.import_check, job.pk)
    if job.status != "checked":
        raise RuntimeError(f"check ended {job.status}: {job.message} {job.errors[:3]}")
    imports.import_confirm(actor=actor, job=job, mode="all")
    t_import, job = timed(imports.import_execute, job.pk)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(30)
    job = ImportJob.objects.get(pk=job.pk)
    if job.status != "done":
        raise RuntimeError(f"import ended {job.status}: {job.message}")
    return {"upload_seconds": round(t_upload, 2), "check_seconds": round(t_check, 2),
            "import_step_seconds": round(t_import, 2),
            "import_seconds": round(t_upload + t_check + t_import, 2),
            "rows": job.rows_total, "valid": job.rows_valid, "errors": job.error_count,
            "created": job.created, "updated": job.updated, "unchanged": job.unchanged}


def import_bench(args, setup: dict[str, Any], workdir: Path) -> dict[str, Any]:
    from frontline.areas.models import Jurisdiction, Level
    from frontline.people.models import IdentityDocument, LodgingStay, Person
    from frontline.people.selectors import duplicate_candidates_find

    communities = dict(Jurisdiction.objects.filter(level=Level.COMMUNITY,
                                                   code__startswith=DISTRICT)
                       .values_list("code", "pk"))
    path = workdir / "lodgers.xlsx"
    t_gen, distinct = timed(lodgers_workbook, path, args.rows, sorted(communities),
                            [h.name for h in setup["hotels"]])
    say(f"workbook: {args.rows} rows, {distinct} people, {path.stat().st_size / 1e6:.1f} MB "
        f"in {t_gen:.1f} s")
    floor = floor_measure(path, communities)
    say(f"floor: {floor}")
    first = import_once(path, setup, profile=args.profile)
    say(f"import: {first}")
    checks = {
        "people": Person.objects.count(), "documents": IdentityDocument.objects.count(),
        "stays": LodgingStay.objects.count(),
        "encrypted": IdentityDocument.objects.exclude(number_encrypted="").count(),
    }
    if checks["people"] != distinct or checks["stays"] != args.rows:
        raise RuntimeError(f"unexpected registry after import: {checks}, {distinct} expected")
    again = import_once(path, setup)
    say(f"re-import: {again}")
    if again["created"] or again["updated"]:
        raise RuntimeError(f"the re-import changed something: {again}")
    t_dup, found = timed(duplicate_candidates_find, persons=None)
    return {
        "rows": args.rows, "people": distinct, "file_mb": round(path.stat().st_size / 1e6, 1),
        **first, **floor,
        "ratio": round(first["import_seconds"] / floor["floor_seconds"], 2),
        "reimport_seconds": again["import_seconds"], "reimport_unchanged": again["unchanged"],
        "duplicates_seconds": round(t_dup, 2), "duplicate_pairs": found,
        "registry": checks,
    }


# -- the search ---------------------------------------------------------------------------------

def persons_load(total: int) -> dict[str, list[str]]:
    """COPY `total` people with their derived fields; returns sample query values."""
    from django.db import connection
    from django.utils import timezone

    from frontline.areas.models import Jurisdiction, Level
    from frontline.core import crypto
    from frontline.people import names
    from frontline.people.services import DOCUMENT_PURPOSE

    gen = People(SEED + 1)
    rng = gen.rng
    communities = list(Jurisdiction.objects.filter(level=Level.COMMUNITY)
                       .order_by("code").values_list("pk", "code"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM people_person")
        start = cursor.fetchone()[0] + 1
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM people_identitydocument")
        doc_start = cursor.fetchone()[0] + 1
    now = timezone.now()
    samples: dict[str, list[str]] = {"latin": [], "zh2": [], "document": []}
    person_cols = ["id", "family_name", "given_names", "name_native", "name_zh", "sex",
                   "birth_date", "nationality", "phone", "phone_alt", "email",
                   "preferred_language", "residence_id", "jurisdiction_code", "address",
                   "organisation_id", "arrived_on", "notes", "name_key", "search_text",
                   "merged_into_id", "version", "created_at", "updated_at", "created_by_id",
                   "age_band"]
    from frontline.people.models import Person

    missing = [f.column for f in Person._meta.concrete_fields
               if not f.null and f.column not in person_cols]
    if missing:  # a new required column: say so before generating a million rows
        raise RuntimeError(f"persons_load does not fill {missing}")
    doc_cols = ["id", "person_id", "jurisdiction_code", "doc_type", "number_encrypted",
                "number_index", "number_masked", "issuing_country", "expiry_date",
                "verified_by_mrz", "created_at"]
    raw = connection.connection
    people_rows: list[tuple] = []
    grams: list[tuple[int, str]] = []
    docs: list[tuple] = []
    cats: list[tuple[int, str]] = []
    for n in range(total):
        pk = start + n
        family, given = gen.family(), rng.choice(GIVEN)
        zh = gen.zh() if rng.random() < 0.2 else ""
        jurisdiction_pk, code = communities[n % len(communities)]
        people_rows.append((
            pk, family, given, "", zh, rng.choice("MF"), gen.birth(), rng.choice(NATIONALITIES),
            "", "", "", "", jurisdiction_pk, code, "", None, None, "",
            names.name_key(family, given), names.search_text(family, given, "", zh), None, 1,
            now, now, None, ""))
        number = f"Q{(n * 7919) % 10_000_019:08d}{n // 10_000_019}"  # distinct, not sequential
        docs.append((doc_start + n, pk, code, "passport", "bench-placeholder",
                     crypto.blind_index(number, purpose=DOCUMENT_PURPOSE), crypto.mask(number),
                     "DE", None, False, now))
        cats.append((pk, "permanent_resident"))
        grams.extend((pk, g) for g in names.cjk_grams(zh))
        if code.startswith(DISTRICT):
            if len(samples["latin"]) < 400 and rng.random() < 0.5:
                samples["latin"].append(family)
            if zh and len(zh) >= 3 and len(samples["zh2"]) < 400:
                samples["zh2"].append(zh[1:3] if rng.random() < 0.5 else zh[:2])
            if len(samples["document"]) < 400:
                samples["document"].append(number)
        if (n + 1) % 200_000 == 0:
            say(f"  generated {n + 1} people")
    with raw.cursor() as cur:
        with cur.copy(f"COPY people_person ({', '.join(person_cols)}) FROM STDIN") as copy:
            for row in people_rows:
                copy.write_row(row)
        with cur.copy(f"COPY people_identitydocument ({', '.join(doc_cols)}) FROM STDIN"
                      ) as copy:
            for row in docs:
                copy.write_row(row)
        with cur.copy("COPY people_personcategory (person_id, category) FROM STDIN") as copy:
            for row in cats:
                copy.write_row(row)
        with cur.copy("COPY people_personnamegram (person_id, gram) FROM STDIN") as copy:
            for row in grams:
                copy.write_row(row)
    raw.commit()
    with connection.cursor() as cursor:
        for table in ("people_person", "people_identitydocument"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                           f"(SELECT MAX(id) FROM {table}))")
    return samples


def search_bench(args, setup: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection

    from frontline.people.models import Person
    from frontline.people.selectors import person_list

    started = time.perf_counter()
    samples = persons_load(args.persons)
    load_seconds = time.perf_counter() - started
    old_autocommit = connection.get_autocommit()
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
    connection.set_autocommit(old_autocommit)
    total = Person.objects.count()
    say(f"search: {total} people loaded in {load_seconds:.1f} s")
    rng = random.Random(SEED + 2)
    results: dict[str, Any] = {"people": total, "load_seconds": round(load_seconds, 1)}
    for user_key in ("district", "city"):
        actor = setup[user_key]
        per_user: dict[str, Any] = {}
        for kind, values in samples.items():
            values = list(dict.fromkeys(values))
            rng.shuffle(values)
            values = values[:args.queries + WARMUP]
            timings, hits = [], []
            for i, value in enumerate(values):
                t, rows = timed(lambda v=value, a=actor: list(person_list(actor=a, query=v)[:50]))
                if i >= WARMUP:
                    timings.append(t * 1000)
                    hits.append(len(rows))
            if not timings:
                continue
            per_user[kind] = {"queries": len(timings), "p50_ms": round(percentile(timings, .5), 1),
                              "p95_ms": round(percentile(timings, .95), 1),
                              "max_ms": round(max(timings), 1),
                              "mean_hits": round(statistics.mean(hits), 1),
                              "zero_hit_queries": sum(1 for h in hits if h == 0)}
            say(f"  {user_key} {kind}: {per_user[kind]}")
        results[user_key] = per_user
    return results


# -- main ---------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="10k rows, 100k people")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PEOPLE_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the check and import")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--persons", type=int)
    parser.add_argument("--queries", type=int)
    args = parser.parse_args(argv)
    args.rows = args.rows or (QUICK_ROWS if args.quick else ROWS)
    args.persons = args.persons or (QUICK_PERSONS if args.quick else PERSONS)
    args.queries = args.queries or (QUICK_QUERIES if args.quick else QUERIES)
    return args


def goals(out: dict[str, Any], full_size: bool) -> dict[str, Any]:
    met: dict[str, Any] = {}
    imp = out.get("import")
    if imp and "error" not in imp:
        met["import_seconds"] = imp["import_seconds"] <= GOAL_IMPORT_SECONDS if full_size else None
        met["ratio"] = imp["ratio"] <= GOAL_RATIO
    search = out.get("search")
    if search and "error" not in search:
        for kind, figures in search.get("district", {}).items():
            met[f"search_{kind}_p95"] = figures["p95_ms"] <= GOAL_P95_MS
    return met


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    out: dict[str, Any] = {"benchmark": "people", "quick": args.quick, "backend": "postgresql"}
    workdir = Path(tempfile.mkdtemp(prefix="frontline-bench-people-"))
    try:
        database_create(args.pg_url)
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        out["error"] = f"PostgreSQL unreachable at {args.pg_url}: {type(exc).__name__}: {exc}"
        print(json.dumps(out, ensure_ascii=False), flush=True)
        return 1
    try:
        django_setup(args.pg_url, str(workdir))
        setup = registry_setup()
        if not args.skip_import:
            try:
                out["import"] = import_bench(args, setup, workdir)
            except Exception as exc:  # noqa: BLE001 - reported in the JSON
                import traceback

                traceback.print_exc()
                out["import"] = {"error": f"{type(exc).__name__}: {exc}"}
        if not args.skip_search:
            try:
                out["search"] = search_bench(args, setup)
            except Exception as exc:  # noqa: BLE001 - reported in the JSON
                import traceback

                traceback.print_exc()
                out["search"] = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        if not args.keep:
            try:
                database_drop(args.pg_url)
            except Exception as exc:  # noqa: BLE001
                say(f"could not drop the database: {exc}")
    full = args.rows >= ROWS
    out["goals"] = {"import_seconds": GOAL_IMPORT_SECONDS, "ratio": GOAL_RATIO,
                    "search_p95_ms": GOAL_P95_MS}
    out["goal_met"] = goals(out, full)
    out["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                      "loadavg_1min": round(os.getloadavg()[0], 2)}
    out["date"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    out["wall_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, ensure_ascii=False), flush=True)
    failed = any("error" in (out.get(part) or {}) for part in ("import", "search"))
    return 0 if not failed and all(v is not False for v in out["goal_met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
