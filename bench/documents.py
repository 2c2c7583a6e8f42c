"""Document benchmark: how fast are personalised certificates issued, and at what memory cost?

What it measures
    The document center's real services on a fresh SQLite database in a temporary directory
    (FRONTLINE_VAR_DIR), with Dongcheng's real templates and translations from
    documents/content (the English end-of-observation certificate approved, so documents
    print as official), the default fonts (Noto CJK / Noto Sans) and the demo seal.

    batch       `document_issue_batch` of N personalised bilingual (Chinese + English)
                end-of-observation certificates, each its own PDF file plus a zip of them
                (N = 1,000; 200 with --quick). Timed from the call to the batch being done:
                serials, database rows, the background task (run at once here), HTML, layout,
                one PDF per person written atomically, and the zip. Rendering uses a pool of
                `--processes` worker processes (2 by default: the machine has 2 cores).
                Every file is then checked: it exists, is a PDF, and one sample's text
                (pdftotext) holds that person's name and serial.
    single      `document_issue` of one certificate at a time on a warm worker (the caches of
                stylesheet, fonts and font subsets are kept between documents), M times
                (M = 1,000; 60 with --quick); each is rendered, stored and audited.

How to read it (the JSON object on the last line is the result)
    docs_per_second           batch N / batch seconds (goal >= 60)
    peak_rss_mb               the largest resident size of this process (getrusage maxrss)
    peak_rss_children_mb      the largest resident size of any rendering worker process
                              (goal: both <= 1024)
    batch_cpu_main_s, batch_cpu_workers_s   CPU seconds the batch took in this process and
                              in the rendering workers (their sum over the cores is the
                              floor of the batch's time; steadier than wall time between runs)
    single_p50_ms, single_p95_ms   time to issue one certificate (goal p95 <= 250)
    single_rss_growth_mb      resident size after the M single issues minus after the first
                              20 (warm-up), from /proc/self/statm (goal <= 100)
    processes                 worker processes used for the batch rendering
    loadavg_before/after      the machine's 1-minute load average around the run, and
    cpu_check_s               seconds a fixed pure-Python loop takes before the run (0.9-1.4 s
                              on an idle core of the development machine): other work on the
                              machine slows every figure, so compare runs only when these are
                              alike; even then the rendering's speed varied by a third between
                              hours (docs/documents.md), so compare changes by alternating runs

Usage
    .venv/bin/python bench/documents.py [--quick] [--batch N] [--single M] [--processes P]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def rss_now_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def cpu_seconds(usage) -> float:
    return usage.ru_utime + usage.ru_stime


def cpu_check() -> float:
    """Seconds a fixed pure-Python loop takes: shows how busy the machine is."""
    start = time.perf_counter()
    total = 0
    for i in range(20_000_000):
        total += i * i
    return round(time.perf_counter() - start, 2)


def setup(tmp: Path, processes: int):
    os.environ["FRONTLINE_VAR_DIR"] = str(tmp)
    os.environ["DJANGO_SETTINGS_MODULE"] = "frontline.settings"
    os.environ["TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    os.environ.setdefault("FRONTLINE_REQUIRE_2FA", "false")
    import django
    from django.conf import settings

    django.setup()
    settings.MEDIA_ROOT = tmp / "media"
    settings.DOCUMENTS_RENDER_PROCESSES = processes
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from frontline.accounts.models import User
    from frontline.accounts.services import role_grant_from_console
    from frontline.areas.models import Jurisdiction
    from frontline.documents import demo, services
    from frontline.documents.kinds import DocumentKind

    city = Jurisdiction.objects.create(code="11", name="北京市", level="city")
    district = Jurisdiction.objects.create(code="110101", name="东城区", level="district",
                                           parent=city)
    street = Jurisdiction.objects.create(code="110101001", name="东华门街道", level="street",
                                         parent=district)
    users = {}
    for username, role, where in [("district", "district_staff", district),
                                  ("translator", "translator", district),
                                  ("proofreader", "proofreader", district),
                                  ("street", "street_staff", street)]:
        users[username] = User.objects.create_user(username=username, password="x" * 12)
        role_grant_from_console(user=users[username], role=role, jurisdiction=where)
    demo.load_texts(district=district, configurer=users["district"],
                    translator=users["translator"])
    services.office_profile_save(actor=users["district"], jurisdiction=district,
                                 phone="010-0000-0000")
    template = services.issuing.template_for(DocumentKind.END_CERTIFICATE, "110101001")
    english = template.translations.get(language="en")
    services.translation_approve(actor=users["proofreader"], translation=english)
    return users


GIVEN = ["John", "Maria", "Ahmed", "Yuki", "Olga", "Pierre", "Carlos", "Giulia", "Hans", "Ana",
         "Minh", "Fatima", "Kenji", "Sofia", "Liam", "Chloé", "Mateo", "Aylin", "Noah", "Emma"]
FAMILY = ["SMITH", "GARCIA", "KHAN", "TANAKA", "IVANOVA", "MARTIN", "LOPEZ", "ROSSI", "MÜLLER",
          "SILVA", "NGUYEN", "HASSAN", "SATO", "KOWALSKA", "BROWN", "DUBOIS", "FERNÁNDEZ",
          "YILMAZ", "WILSON", "SCHMIDT"]


def person(i: int) -> dict:
    return {"jurisdiction_code": "110101001",
            "name": f"{FAMILY[i % len(FAMILY)]} {GIVEN[(i * 7) % len(GIVEN)]} {i:04d}",
            "document_number": f"E{10000000 + i * 7919:08d}", "nationality": "—",
            "start_date": "2020-03-20", "end_date": "2020-04-03",
            "hotel": "Huairou observation hotel 1"}


def bench_batch(users, count: int) -> dict:
    from frontline.documents import rendering, services
    from frontline.documents.kinds import DocumentKind
    from frontline.documents.models import BatchStatus, IssueBatch

    items = [{"person": None, "context": person(i)} for i in range(count)]
    cpu_self = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    batch = services.document_issue_batch(actor=users["street"],
                                          kind=DocumentKind.END_CERTIFICATE, items=items,
                                          language_policy="en", bilingual=True)
    batch = IssueBatch.objects.get(pk=batch.pk)
    seconds = time.perf_counter() - start
    cpu_self_after = resource.getrusage(resource.RUSAGE_SELF)
    rendering.shutdown_pool()  # its processes' CPU time is counted once they have ended
    cpu_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    if batch.status != BatchStatus.DONE or batch.done != count:
        raise SystemExit(f"batch not done: {batch.status} {batch.done}/{count} {batch.error}")
    documents = list(batch.documents.order_by("batch_index"))
    for document in documents:
        path = services.issuing.media_path(document.file_path)
        if path.read_bytes()[:5] != b"%PDF-":
            raise SystemExit(f"{path} is not a PDF")
    sample = documents[count // 2]
    text = subprocess.run(["pdftotext", str(services.issuing.media_path(sample.file_path)), "-"],
                          capture_output=True, text=True, check=True).stdout
    expected = person(count // 2)["name"]
    if expected not in " ".join(text.split()) or sample.serial not in text:
        raise SystemExit(f"sample PDF lacks {expected!r} or {sample.serial}")
    size = sum(services.issuing.media_path(d.file_path).stat().st_size for d in documents)
    return {"batch_documents": count, "batch_seconds": round(seconds, 2),
            "docs_per_second": round(count / seconds, 1),
            "batch_mean_pdf_kb": round(size / count / 1024, 1),
            "batch_cpu_main_s": round(cpu_seconds(cpu_self_after) - cpu_seconds(cpu_self), 2),
            "batch_cpu_workers_s": round(cpu_seconds(cpu_children), 2)}


def bench_single(users, count: int) -> dict:
    from frontline.documents import services
    from frontline.documents.kinds import DocumentKind

    times = []
    rss_after_warmup = None
    for i in range(count):
        start = time.perf_counter()
        services.document_issue(actor=users["street"], kind=DocumentKind.END_CERTIFICATE,
                                person=None, language="en", context=person(100000 + i))
        times.append((time.perf_counter() - start) * 1000)
        if i == 19:
            rss_after_warmup = rss_now_mb()
    rss_end = rss_now_mb()
    times.sort()
    return {"single_issues": count,
            "single_p50_ms": round(statistics.median(times), 1),
            "single_p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "single_rss_growth_mb": round(rss_end - (rss_after_warmup or rss_end), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--batch", type=int)
    parser.add_argument("--single", type=int)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    batch_n = args.batch or (200 if args.quick else 1000)
    single_n = args.single or (60 if args.quick else 1000)
    tmp = Path(tempfile.mkdtemp(prefix="frontline-bench-documents-"))
    loadavg_before = round(os.getloadavg()[0], 2)
    cpu = cpu_check()
    try:
        users = setup(tmp, args.processes)
        print(f"documents: batch of {batch_n} certificates, {args.processes} processes ...",
              flush=True)
        result = {"benchmark": "documents", "quick": args.quick, "processes": args.processes,
                  "cpus": os.cpu_count(), "loadavg_before": loadavg_before, "cpu_check_s": cpu}
        result.update(bench_batch(users, batch_n))
        print(f"  {result['docs_per_second']} documents/s", flush=True)
        print(f"documents: {single_n} single issues ...", flush=True)
        result.update(bench_single(users, single_n))
        from frontline.documents import rendering

        rendering.shutdown_pool()
        result["peak_rss_mb"] = round(maxrss_mb(resource.RUSAGE_SELF), 1)
        result["peak_rss_children_mb"] = round(maxrss_mb(resource.RUSAGE_CHILDREN), 1)
        result["loadavg_after"] = round(os.getloadavg()[0], 2)
        result["goals"] = {"docs_per_second": 60, "peak_rss_mb": 1024, "single_p95_ms": 250,
                           "single_rss_growth_mb": 100}
        result["goal_met"] = (result["docs_per_second"] >= 60
                              and max(result["peak_rss_mb"], result["peak_rss_children_mb"])
                              <= 1024 and result["single_p95_ms"] <= 250
                              and result["single_rss_growth_mb"] <= 100)
        print(json.dumps(result, ensure_ascii=False))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
