"""NUL characters in requests: refused with 400 and a Chinese message before they reach a query
(PostgreSQL cannot hold NUL in text, and answered 500), the same on every database."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests import builders as b


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/subjects/%00",
        "/api/v1/subjects/9132%00/records",
        "/api/v1/search?q=%E5%B8%B8%00%E5%B7%9E",
        "/api/v1/publicity/xzcf?keyword=a%00",
    ],
)
def test_a_nul_in_the_url_of_the_api_is_a_400(client, url: str) -> None:  # type: ignore[no-untyped-def]
    got = client.get(url)
    assert got.status_code == 400
    assert got.json()["error"]["code"] == "invalid_text"
    assert "空字符" in got.json()["error"]["message"]


def test_a_nul_in_a_page_url_is_an_html_400(client) -> None:  # type: ignore[no-untyped-def]
    got = client.get("/subjects/%00")
    assert got.status_code == 400
    assert got.headers["content-type"].startswith("text/html")
    assert "空字符" in got.text


def test_a_nul_in_a_form_is_a_400_and_other_forms_pass(client) -> None:  # type: ignore[no-untyped-def]
    bad = client.post("/console/login", data={"username": "demo\x00", "password": "x"})
    assert bad.status_code == 400 and "空字符" in bad.text
    # The same form without it reaches the login (wrong password: the login page again, not a 400).
    plain = client.post("/console/login", data={"username": "demo", "password": "x"})
    assert plain.status_code != 400 and "空字符" not in plain.text


def test_requests_without_nul_are_answered_as_before(client, session: Session) -> None:  # type: ignore[no-untyped-def]
    firm = b.company(session, name="常州澜泽科技有限公司")
    assert client.get(f"/api/v1/subjects/{firm.uscc}").json()["name"] == "常州澜泽科技有限公司"
    assert client.get("/api/v1/search", params={"q": "澜泽"}).status_code == 200


def test_a_nul_in_a_json_body_is_a_client_error(client, session: Session) -> None:  # type: ignore[no-untyped-def]
    """JSON bodies are not buffered by the guard (API batches can be large): where such a NUL reaches
    PostgreSQL, the app's handler answers 400 instead of 500; SQLite takes it and the login fails."""
    got = client.post("/api/v1/staff/tokens", json={"username": "demo\x00", "password": "x"})
    if session.get_bind().dialect.name == "postgresql":
        assert got.status_code == 400 and got.json()["error"]["code"] == "invalid_text"
    else:
        assert got.status_code == 401
