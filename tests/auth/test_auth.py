"""Login, logout, session handling, CSRF, unauthenticated htmx requests."""
import re

from app.extensions import db
from app.models import Role
from tests.factories import PASSWORD, csrf_token, login, make_bank, make_branch, make_user


def _officer():
    bank = make_bank()
    user = make_user(Role.OFFICER, bank, make_branch(bank))
    db.session.commit()
    return user


def test_pages_need_login_and_htmx_gets_401_with_redirect(client, app_ctx):
    assert client.get("/clients/").status_code == 302
    response = client.get("/clients/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login")


def test_wrong_password_is_422_without_hint(client, app_ctx):
    user = _officer()
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login", data={"login_id": user.login_id, "password": "nope",
                                                "csrf_token": token})
    assert response.status_code == 422
    assert "ログインIDまたはパスワードが正しくありません" in response.get_data(as_text=True)


def test_post_without_csrf_is_refused(client, app_ctx):
    user = _officer()
    response = client.post("/auth/login", data={"login_id": user.login_id, "password": PASSWORD})
    assert response.status_code == 400
    login(client, user)
    assert client.post("/auth/logout").status_code == 400


def test_logout_kills_a_replayed_session_cookie(client, app_ctx):
    user = _officer()
    login(client, user)
    cookie = client.get_cookie("session").value
    assert client.get("/").status_code == 200
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    client.set_cookie("session", cookie)  # replay the old cookie
    assert client.get("/").status_code == 302


def test_login_starts_a_new_session(client, app_ctx):
    user = _officer()
    client.get("/auth/login")
    before = client.get_cookie("session").value
    login(client, user)
    assert client.get_cookie("session").value != before


def test_open_redirect_is_refused(client, app_ctx):
    user = _officer()
    page = client.get("/auth/login?next=https://evil.example/")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))[1]
    response = client.post("/auth/login?next=https://evil.example/",
                           data={"login_id": user.login_id, "password": PASSWORD,
                                 "csrf_token": token})
    assert response.headers["Location"] == "/"
