"""A NUL character in a query string or a path answers 400 on every page and API route:
PostgreSQL refuses text holding NUL, so before this every staff list filtered by `?q=%00`
answered 500 there."""

import json

from django.urls import URLPattern, URLResolver, get_resolver

from frontline.audit.models import ChangeLogEntry


def _plain_routes() -> list[str]:
    """Every route without a parameter, as a path."""
    routes: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if "<" not in route and "(?P" not in route and "^" not in route:
                    routes.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return routes


def test_nul_in_the_query_answers_400_on_every_page(tree, client):
    client.force_login(tree.users["district"])
    routes = [r for r in _plain_routes() if "logout" not in r and not r.startswith("/admin")]
    assert len(routes) > 50  # the walk found the application's pages
    changes = ChangeLogEntry.objects.count()
    answers = {}
    for path in routes:
        response = client.get(path + "?q=%00&status=open")
        answers[path] = response.status_code
        if path.startswith("/api/"):
            assert response["Content-Type"].startswith("application/json"), path
            assert "Null characters" in json.loads(response.content)["detail"]
        else:
            assert b"Null characters are not allowed" in response.content, path
    assert set(answers.values()) == {400}, {p: s for p, s in answers.items() if s != 400}
    assert ChangeLogEntry.objects.count() == changes


def test_nul_in_the_path_or_a_parameter_name_answers_400(tree, client):
    client.force_login(tree.users["district"])
    for path in ("/people/%00/", "/people/?%00=1", "/api/v1/people/?%00q=x"):
        assert client.get(path).status_code == 400, path
    # In the user's language.
    response = client.get("/people/?q=%00", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and "请求有误" in response.content.decode()
    # Without NUL the same page answers as usual.
    assert client.get("/people/?q=ROSSI").status_code == 200
