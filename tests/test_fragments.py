"""Every htmx fragment endpoint: a session that ended answers 401 + HX-Redirect (never the
login page swapped into a fragment); responses vary on HX-Request and are not cached."""
import pytest

from app.extensions import db
from app.models import Role
from tests.factories import login, make_bank, make_branch, make_user

FRAGMENTS = [
    ("GET", "/clients/?q=a"),
    ("GET", "/clients/postal?postal_code=8020001"),
    ("POST", "/intake/1/step/1"),
    ("POST", "/intake/1/analyze"),
    ("GET", "/matching/1?filtered=1"),
    ("POST", "/matching/1/select"),
]


@pytest.mark.parametrize("method,url", FRAGMENTS)
def test_unauthenticated_htmx_gets_401_with_redirect(client, app_ctx, method, url):
    response = client.open(url, method=method, headers={
        "HX-Request": "true", "HX-Current-URL": "http://localhost/intake/1/step/2?x=1"})
    assert response.status_code == 401
    # Back to the page the user was on (not to the fragment URL) after logging in.
    assert response.headers["HX-Redirect"] == "/auth/login?next=/intake/1/step/2?x%3D1"
    assert response.get_data(as_text=True) == ""


def test_pages_vary_on_hx_request_and_are_not_stored(client, app_ctx):
    bank = make_bank()
    user = make_user(Role.OFFICER, bank, make_branch(bank))
    db.session.commit()
    login(client, user)
    for url in ("/", "/clients/", "/cases/"):
        response = client.get(url)
        assert "HX-Request" in response.headers["Vary"]
        assert response.headers["Cache-Control"] == "no-store"
    with client.get("/vendor/htmx.min.js") as asset:
        assert asset.status_code == 200 and b"htmx" in asset.data[:2000]
    assert client.get("/vendor/../../pyproject.toml").status_code == 404
    assert client.get("/vendor/other.js").status_code == 404
