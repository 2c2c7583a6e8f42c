"""Every link a page shows opens for the person it is shown to.

Each of the test tree's users, on the tree plus the Dongcheng demo, follows the links of the
pages they reach from the home page (GET only; a few pages of each kind): no page answers a
server error, no link it shows answers 403 ("not allowed") or 404 ("not found"), and no form
shows errors before anything was sent. A button to a page that refuses the user, or a link to
a record outside their area, is a fault the user meets as a dead end.
"""

from __future__ import annotations

import html
import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from frontline.core.testing import TreeBuilder, load_demo

pytestmark = pytest.mark.django_db

# Not followed: files (PDF, spreadsheets, zips), the API, the public pages, sign-out, and
# anything that acts even on GET by name (none should, but a crawler must not try).
SKIP = re.compile(
    r"^/(static|api|i18n|portal|verify|admin)/|logout|sign-?out|delete|revoke|purge|retry"
    r"|/end/|read-all|/pdf|download|/preview/|\.(pdf|xlsx|csv|zip|svg|png)$|export|manifest"
    r"|attachment|rss|format=|/print/")
LINK = re.compile(r'(?:href|hx-get)="(/[^"#]*)"')
PER_PATTERN = 2  # pages of each kind (numbers replaced), e.g. two person pages
MAX_PAGES = 140


def _pattern(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The test tree and the demo, committed once for the module (emptied afterwards)."""
    from frontline.people import demo as people_demo

    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(people_demo, "PEOPLE", 40)
        tree = TreeBuilder().build()
        load_demo()
    yield tree
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def _crawl(client) -> tuple[list[str], dict[str, int]]:
    """(faults, pages seen by status): every link of every page reached is requested."""
    faults: list[str] = []
    statuses: dict[str, int] = {}
    per_pattern: dict[str, int] = {}
    queue: deque[tuple[str, str]] = deque([("/", "")])
    checked: dict[str, int] = {}
    pages = 0
    while queue and pages < MAX_PAGES:
        url, source = queue.popleft()
        if url in checked:
            continue
        response = client.get(url)
        status = checked[url] = response.status_code
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status >= 500:
            faults.append(f"{url} (linked from {source or 'the start'}): {status}")
            continue
        if status in (403, 404):
            faults.append(f"{url} (linked from {source or 'the start'}): {status}")
            continue
        if status != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        text = response.content.decode()
        if 'class="errorlist' in text:
            faults.append(f"{url}: a form shows errors before anything was sent")
        for raw in LINK.findall(text):
            link = html.unescape(raw)
            if SKIP.search(link) or link in checked:
                continue
            pattern = _pattern(link)
            if per_pattern.get(pattern, 0) >= PER_PATTERN:
                continue
            per_pattern[pattern] = per_pattern.get(pattern, 0) + 1
            queue.append((link, url))
    return faults, statuses


@pytest.mark.parametrize("username", [name for name, _role, _where in TreeBuilder.USERS])
def test_every_link_shown_opens(demo_world, username):
    faults, statuses = _crawl(demo_world.client(username))
    assert statuses.get("200", 0) >= 5, statuses  # the crawl really went somewhere
    assert faults == [], "\n".join(faults)
