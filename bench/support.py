"""Front-line support benchmark: searching 50,000 knowledge entries in Chinese and English.

What it measures (SQLite by default, in a temporary file; PostgreSQL with --pg-url, database
frontline_bench_support, created and dropped here)
    N search entries (50,000; 5,000 with --quick) are written through the same indexing
    code the services use (`text.weighted_grams`: two-character CJK grams plus each run's
    last character, folded Latin words, title weight 5), bulk-inserted. Half are Chinese,
    half English, with titles of 2-4 words and bodies of 40-70 words drawn from a domain
    vocabulary with a Zipf-like frequency, so common words match thousands of entries.
    Then `selectors.search(query=..., limit=20)` is timed, highlighting included, for:
        zh2          two-character Chinese words (common and rare)
        zh4          four-character Chinese phrases (two words side by side)
        en_word      one English word
        en_prefix    the first 4 letters of an English word
        en_two       two English words
        faq_suggest  a Chinese sentence, as typed on the question desk
            p50_ms, p95_ms  per kind; all_p95_ms over every query; goal all_p95_ms <= 100

    The JSON object on the last line of stdout is the result.

Usage
    .venv/bin/python bench/support.py [--quick] [--entries N] [--pg-url URL] [--keep]
"""

from __future__ import annotations

import argparse
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
SEED = 20200413
ENTRIES, QUICK_ENTRIES = 50_000, 5_000
QUERIES, QUICK_QUERIES, WARMUP = 40, 15, 3
GOAL_P95_MS = 100.0

ZH_WORDS = (
    "问候 握手 鞠躬 称呼 先生 女士 姓名 顺序 宗教 饮食 清真 素食 猪肉 饮酒 斋月 节日 新年 圣诞 "
    "复活 禁忌 手势 礼物 花束 数字 颜色 使馆 地址 电话 签证 护照 入境 观察 酒店 隔离 体温 核酸 "
    "政策 规定 通知 告知 承诺 登记 分流 转运 社区 街道 居家 集中 医学 健康 监测 发热 咳嗽 口罩 "
    "消毒 外卖 房间 翻译 英语 日语 韩语 俄语 法语 德语 西班牙 意大利 伊朗 美国 英国 瑞士 日本 "
    "韩国 俄罗斯 法国 德国 老人 儿童 孕妇 学生 教师 外交 领事 证件 身份 家属 探视 快递 网络 "
    "投诉 心理 疏导 情绪 服务 热线 值班 领导 上报 紧急 医院 救护 药品 过敏 糖尿 高血压 宠物 "
    "退房 续住 费用 发票 支付 现金 银行 保险 航班 机场 国展 行李 交通 出租 地铁 公交 步行"
).split()
EN_WORDS = (
    "greeting handshake bow address name order family given religion diet halal vegetarian "
    "pork alcohol ramadan holiday christmas easter taboo gesture gift flowers number colour "
    "embassy consulate phone visa passport arrival observation hotel quarantine temperature "
    "policy rule notice commitment registration transfer community street home centralised "
    "medical health monitoring fever cough mask disinfection takeaway room translation english "
    "japanese korean russian french german spanish italy iran america britain switzerland "
    "elderly children pregnant student teacher diplomat identity relatives visit parcel wifi "
    "complaint psychological support emotion service hotline duty leader report urgent hospital "
    "ambulance medicine allergy diabetes pet checkout extension fee invoice payment cash bank "
    "insurance flight airport luggage taxi subway bus walking punctual privacy respect polite "
    "meal breakfast dinner water tea coffee laundry towel heating window noise smoking"
).split()
ZH_SENTENCES = ["客人问斋月期间的餐食怎么安排", "一位日本客人想知道使馆电话",
                "隔离期间可以点外卖吗", "老人发热咳嗽需要送医院吗", "护照过期了怎么办理"]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def postgres_admin(url: str, statement: str) -> None:
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def django_setup(url: str, var_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="frontline.settings", DATABASE_URL=url, FRONTLINE_ENV="local",
        FRONTLINE_VAR_DIR=var_dir, MEDIA_ROOT=str(Path(var_dir) / "media"), DEBUG="false",
        LOG_LEVEL="WARNING", FRONTLINE_REQUIRE_2FA="false",
        TASK_BACKEND="django_tasks.backends.dummy.DummyBackend",
    )
    (Path(var_dir) / "static").mkdir(exist_ok=True)
    sys.path.insert(0, str(SRC_DIR))
    import django

    django.setup()


class Texts:
    """Deterministic synthetic texts with a Zipf-like word frequency."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.zh_weights = [1 / (i + 1) for i in range(len(ZH_WORDS))]
        self.en_weights = [1 / (i + 1) for i in range(len(EN_WORDS))]

    def zh(self, n: int) -> str:
        words = self.rng.choices(ZH_WORDS, self.zh_weights, k=n)
        return "，".join("".join(words[i:i + 3]) for i in range(0, n, 3)) + "。"

    def en(self, n: int) -> str:
        return " ".join(self.rng.choices(EN_WORDS, self.en_weights, k=n)).capitalize() + "."

    def entry(self, i: int) -> tuple[str, str, str]:
        if i % 2 == 0:
            return "zh-hans", self.zh(self.rng.randint(2, 4)), self.zh(self.rng.randint(40, 70))
        return "en", self.en(self.rng.randint(2, 4)), self.en(self.rng.randint(40, 70))


def _insert_grams(connection, rows: list[tuple[int, str, int]]) -> None:
    """Plain inserts (COPY on PostgreSQL): the same rows `index_write` creates."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(
                    "COPY knowledge_searchgram (entry_id, gram, weight) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany("INSERT INTO knowledge_searchgram (entry_id, gram, weight) "
                               "VALUES (%s, %s, %s)", rows)


def _insert_terms(connection, words: set[str]) -> None:
    """The Latin words, as `index_write` keeps them (`SearchTerm`) for prefix expansion."""
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO knowledge_searchterm (gram) VALUES (%s) "
                           "ON CONFLICT DO NOTHING", [(w,) for w in sorted(words)])


def load_entries(count: int) -> float:
    from django.db import connection, transaction

    from frontline.knowledge import text
    from frontline.knowledge.models import EntryKind, SearchEntry

    started = time.perf_counter()
    texts = Texts(SEED)
    kinds = [EntryKind.NOTE, EntryKind.POLICY, EntryKind.FAQ]
    words: set[str] = set()
    batch = 2000
    for start in range(0, count, batch):
        with transaction.atomic():
            rows = [texts.entry(i) for i in range(start, min(count, start + batch))]
            entries = SearchEntry.objects.bulk_create([
                SearchEntry(kind=kinds[(start + j) % 3], object_id=start + j + 1, language=lang,
                            title=title, body=body, state="approved")
                for j, (lang, title, body) in enumerate(rows)])
            if connection.vendor == "sqlite" and entries[0].pk is None:  # pragma: no cover
                raise RuntimeError("bulk_create returned no primary keys")
            rows = [(e.pk, g, w) for e in entries
                    for g, w in text.weighted_grams(e.title, e.body).items()]
            _insert_grams(connection, rows)
            words.update(g for _e, g, _w in rows if not text.is_cjk(g))
        if start and start % 10_000 == 0:
            say(f"  {start} entries")
    _insert_terms(connection, words)
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load: statistics, and the visibility map that
        # lets the gram index answer without reading the table (index-only scans).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE knowledge_searchentry")
            cursor.execute("VACUUM ANALYZE knowledge_searchgram")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started


def queries(count: int) -> dict[str, list[str]]:
    rng = random.Random(SEED + 1)
    common_zh, common_en = ZH_WORDS[:10], EN_WORDS[:10]
    return {
        "zh2": [rng.choice(common_zh if i % 2 else ZH_WORDS) for i in range(count)],
        "zh4": [rng.choice(ZH_WORDS) + rng.choice(ZH_WORDS) for _ in range(count)],
        "en_word": [rng.choice(common_en if i % 2 else EN_WORDS) for i in range(count)],
        "en_prefix": [w[:4] for w in rng.sample(EN_WORDS * 2, count)],
        "en_two": [f"{rng.choice(EN_WORDS)} {rng.choice(common_en)}" for _ in range(count)],
        "faq_suggest": [rng.choice(ZH_SENTENCES) for _ in range(count)],
    }


def time_searches(count: int) -> dict[str, Any]:
    from frontline.knowledge import selectors

    out: dict[str, Any] = {}
    every: list[float] = []
    for kind, qs in queries(count).items():
        run = (lambda q: selectors.faq_suggest(text=q)) if kind == "faq_suggest" \
            else (lambda q: selectors.search(query=q, limit=20))
        for q in qs[:WARMUP]:
            run(q)
        times, found = [], 0
        for q in qs:
            started = time.perf_counter()
            hits = run(q)
            times.append((time.perf_counter() - started) * 1000)
            found += bool(hits)
        every += times
        out[kind] = {"p50_ms": round(statistics.median(times), 1),
                     "p95_ms": round(percentile(times, 0.95), 1), "found": f"{found}/{len(qs)}"}
        say(f"  {kind}: p50 {out[kind]['p50_ms']} ms, p95 {out[kind]['p95_ms']} ms, "
            f"found {out[kind]['found']}")
    out["all_p95_ms"] = round(percentile(every, 0.95), 1)
    out["goal_p95_ms"] = GOAL_P95_MS
    out["meets_goal"] = out["all_p95_ms"] <= GOAL_P95_MS
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="5,000 entries, fewer queries")
    parser.add_argument("--entries", type=int, default=None)
    parser.add_argument("--pg-url", default="", help="run on PostgreSQL (database created and "
                                                     "dropped), e.g. postgres://postgres@127.0.0"
                                                     ".1:5432/frontline_bench_support")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="PostgreSQL: search a database kept by --keep (no loading)")
    args = parser.parse_args()
    count = args.entries or (QUICK_ENTRIES if args.quick else ENTRIES)
    var_dir = tempfile.mkdtemp(prefix="frontline-bench-support-")
    if args.pg_url and args.reuse:
        url = args.pg_url
    elif args.pg_url:
        name = args.pg_url.rsplit("/", 1)[1]
        postgres_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{name}"')
        postgres_admin(args.pg_url, f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        url = args.pg_url
    else:
        url = f"sqlite:///{var_dir}/bench.sqlite3"
    django_setup(url, var_dir)
    from django.core.management import call_command
    from django.db import connection, connections

    out: dict[str, Any] = {"bench": "support", "database": connection.vendor, "entries": count,
                           "quick": args.quick, "python": platform.python_version()}
    try:
        from frontline.knowledge.models import SearchEntry, SearchGram

        if args.reuse:
            from frontline.knowledge import text
            from frontline.knowledge.models import SearchTerm

            call_command("migrate", "knowledge", verbosity=0, interactive=False)
            out["entries"] = SearchEntry.objects.count()
            if not SearchTerm.objects.exists():
                grams = SearchGram.objects.values_list("gram", flat=True).distinct()
                _insert_terms(connection, {g for g in grams if not text.is_cjk(g)})
        else:
            call_command("migrate", "knowledge", verbosity=0, interactive=False)
            say(f"loading {count} entries into {connection.vendor} ...")
            out["load_seconds"] = round(load_entries(count), 1)

        out["grams"] = SearchGram.objects.count()
        say(f"searching ({out['grams']} grams) ...")
        out["search"] = time_searches(QUICK_QUERIES if args.quick else QUERIES)
    except Exception as exc:  # the last line is always one JSON object
        out["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        connections.close_all()
        if args.pg_url and not args.keep:
            name = args.pg_url.rsplit("/", 1)[1]
            postgres_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{name}"')
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0 if "error" not in out else 1


if __name__ == "__main__":
    sys.exit(main())
