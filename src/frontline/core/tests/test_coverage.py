"""Meta-tests: every scoped model and endpoint has permission tests, and no view or API
module reaches a scoped model through `.objects` (which would bypass restrict())."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

from django.apps import apps

import frontline
from frontline.core.api import ScopedViewSetMixin
from frontline.core.models import is_scoped_model
from frontline.core.testing import ScopedPermissionTests

SRC = Path(frontline.__file__).resolve().parent


def _import_all_tests() -> None:
    for module in pkgutil.walk_packages([str(SRC)], prefix="frontline."):
        if ".tests." in module.name and module.name.rsplit(".", 1)[-1].startswith("test_"):
            importlib.import_module(module.name)


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _permission_test_classes():
    _import_all_tests()
    return [c for c in _all_subclasses(ScopedPermissionTests) if c.__name__.startswith("Test")]


def scoped_models():
    return [m for m in apps.get_models()
            if m.__module__.startswith("frontline.") and is_scoped_model(m)]


def test_every_scoped_model_has_permission_tests():
    tested = {c.model for c in _permission_test_classes()}
    missing = [m.__name__ for m in scoped_models() if m not in tested]
    assert not missing, f"scoped models without a ScopedPermissionTests subclass: {missing}"


def test_every_scoped_endpoint_has_permission_tests():
    from frontline.api.urls import router

    tested = {c.api_basename for c in _permission_test_classes() if c.api_basename}
    missing = [basename for _prefix, viewset, basename in router.registry
               if issubclass(viewset, ScopedViewSetMixin) and basename not in tested]
    assert not missing, f"scoped API endpoints without permission tests: {missing}"


def test_unscoped_endpoints_say_why():
    """A viewset that is not scoped must say why (`unscoped_reason`): its rows are the user's
    own (filtered by request.user in get_queryset) or it reads no stored rows at all."""
    from frontline.api.urls import router

    for _prefix, viewset, basename in router.registry:
        if issubclass(viewset, ScopedViewSetMixin):
            continue
        reason = getattr(viewset, "unscoped_reason", "")
        assert reason, f"API endpoint {basename} is not scoped and does not say why"
        if "own" in reason:
            source = Path(importlib.import_module(viewset.__module__).__file__).read_text()
            assert "user=self.request.user" in source, basename


def _view_and_api_modules():
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if "tests" in rel.parts or "migrations" in rel.parts:
            continue
        if (rel.name in ("views.py", "api.py") or rel.name.endswith(("_views.py", "_api.py"))
                or rel.parent.name in ("views", "api")):
            yield path


def test_no_direct_objects_on_scoped_models_in_views_and_api():
    scoped_names = {m.__name__ for m in scoped_models()}
    offences = []
    for path in _view_and_api_modules():
        source = path.read_text()
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, ast.Attribute) and node.attr == "objects"
                    and isinstance(node.value, ast.Name) and node.value.id in scoped_names):
                line = lines[node.lineno - 1]
                if "# scoped-ok" not in line:
                    offences.append(f"{path.relative_to(SRC)}:{node.lineno}: {line.strip()}")
    assert not offences, "views/API query scoped models directly:\n" + "\n".join(offences)


def test_the_ban_detects_a_direct_query(tmp_path):
    """The AST check above really finds `Model.objects` (so it cannot pass vacuously)."""
    tree = ast.parse("def v(request):\n    return Place.objects.all()\n")
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "objects"]
    assert found and found[0].value.id == "Place"
    assert any(m.__name__ == "Place" for m in scoped_models())


def test_every_periodic_job_can_be_imported_and_run_once(db):
    """`manage.py periodic` finds every app's jobs; each names a callable and runs (nothing is
    due in an empty database)."""
    from io import StringIO

    from django.core.management import call_command

    from frontline.core.management.commands.periodic import periodic_jobs

    jobs = periodic_jobs()
    assert {path.split(".")[1] for _s, path in jobs} >= {
        "notify", "arrivals", "reports", "incidents", "linguists", "helpdesk", "observation"}
    out = StringIO()
    call_command("periodic", "--once", stdout=out)
    assert out.getvalue().count("\n") == len(jobs)


def test_no_template_has_inline_styles():
    """The Content-Security-Policy allows stylesheets from the site only (`style-src 'self'`):
    a `style` attribute or element in a page is ignored by the browser, so what it was for (a
    line break kept, a table that scrolls) silently does not happen. Classes instead."""
    import re
    from pathlib import Path

    import frontline

    root = Path(frontline.__file__).resolve().parent
    found = [f"{path.relative_to(root)}: {match.group(0)}"
             for path in sorted(root.glob("**/templates/**/*.html"))
             for match in re.finditer(r"<style\b|\sstyle=\"", path.read_text())]
    assert found == []



def _pages(tree, pages: dict[str, list[str]]):
    """(url, html) of each page, opened by its user; every one must answer 200."""
    for user, urls in pages.items():
        client = tree.client(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            yield url, response.content.decode()

def test_groups_of_choices_are_fieldsets_named_by_a_legend(tree):
    """A radio or checkbox group has no single control for a <label for>: the shared form
    template names it with a fieldset's legend instead of an empty label."""
    import re

    from frontline.people.tests.factories import make_person

    person = make_person(tree)
    pages = {"community": ["/people/new/", f"/observation/start/?person={person.pk}",
                           "/helpdesk/ask/"],
             "registrar": ["/arrivals/desk/"],
             "district": ["/arrivals/rules/new/", "/knowledge/notes/new/",
                          "/knowledge/policies/new/", "/knowledge/training/new/",
                          "/documents/print-runs/new/"]}
    for url, html in _pages(tree, pages):
        assert '<label for="">' not in html, url
    html = tree.client("community").get("/people/new/").content.decode()
    assert re.search(r'<fieldset class="field group[^"]*">\s*<legend>', html)


def test_pages_with_several_forms_give_each_field_an_id_of_its_own(tree):
    """Two forms on one page each with a "reason" or a "language" field would share an id, and
    the second's label would point at the first's control."""
    import re

    from frontline.incidents.tests.test_incidents import open_incident
    from frontline.linguists.tests.factories import make_member

    member = make_member(tree)
    incident = open_incident(tree)
    pages = {"district": [f"/linguists/members/{member.pk}/", f"/incidents/{incident.pk}/",
                          "/incidents/plans/"]}
    for url, html in _pages(tree, pages):
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert sorted({i for i in ids if ids.count(i) > 1}) == [], url
