"""Who may open which settings page: operator pages exist only for the operator, bank
settings for 本部 (own bank) and the operator; everyone else gets 404, never the page."""
import pytest

from app.extensions import db
from tests.admin.conftest import post

BRANCH_ROLES = ["officer", "supervisor", "manager"]


def operator_pages(s) -> list[tuple[str, str]]:
    plan, programme = s.plans[0].id, s.programme.id
    return [
        ("GET", "/admin/plans"), ("GET", "/admin/plans/new"),
        ("GET", f"/admin/plans/{plan}/edit"), ("POST", "/admin/plans"),
        ("POST", f"/admin/plans/{plan}/edit"),
        ("GET", "/admin/subsidies"), ("GET", "/admin/subsidies/new"),
        ("GET", f"/admin/subsidies/{programme}/edit"), ("POST", "/admin/subsidies"),
        ("POST", f"/admin/subsidies/{programme}/edit"),
        ("POST", f"/admin/subsidies/{programme}/copy"),
        ("GET", "/admin/banks"),
    ]


def _open(client, method: str, url: str):
    return post(client, url) if method == "POST" else client.get(url)


@pytest.mark.parametrize("who", [*BRANCH_ROLES, "hq"])
def test_operator_pages_are_404_for_everyone_else(app, staff, who):
    client = staff.client(app, who)
    for method, url in operator_pages(staff):
        response = _open(client, method, url)
        assert response.status_code == 404, (who, method, url)
        assert "お探しのページは見つかりません" in response.get_data(as_text=True)


def test_operator_opens_every_operator_page(app, staff):
    client = staff.client(app, "operator")
    for method, url in operator_pages(staff):
        if method == "GET":
            assert client.get(url).status_code == 200, url
    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/banks/{staff.other_bank.id}").status_code == 200
    assert client.get("/admin/bank").headers["Location"].endswith("/admin/banks")


@pytest.mark.parametrize("who", BRANCH_ROLES)
def test_branch_roles_have_no_settings_at_all(app, staff, who):
    client = staff.client(app, who)
    for url in ("/admin/", "/admin/bank", f"/admin/banks/{staff.bank.id}"):
        assert client.get(url).status_code == 404, url
    assert post(client, f"/admin/banks/{staff.bank.id}",
                {"referral_fee_percent": "99"}).status_code == 404
    nav = client.get("/").get_data(as_text=True).split("mainnav")[1].split("</nav>")[0]
    assert "/admin/" not in nav


def test_hq_sees_its_own_bank_only(app, staff):
    client = staff.client(app, "hq")
    home = client.get("/admin/")
    assert home.status_code == 200 and "当金庫の設定" in home.get_data(as_text=True)
    assert "補助金カタログ" not in home.get_data(as_text=True)
    own = client.get("/admin/bank")
    assert own.status_code == 200 and "みらい信用金庫の設定" in own.get_data(as_text=True)
    assert client.get(f"/admin/banks/{staff.bank.id}").status_code == 200
    other = client.get(f"/admin/banks/{staff.other_bank.id}")
    assert other.status_code == 404 and "はやぶさ" not in other.get_data(as_text=True)
    response = post(client, f"/admin/banks/{staff.other_bank.id}", {
        "referral_fee_percent": "90", "referral_fee_months": "12",
        "hq_approval_threshold": "1", "competitor_corporate_numbers": ""})
    assert response.status_code == 404
    db.session.expire_all()
    assert staff.other_bank.referral_fee_percent == 20


def test_operator_home_links_every_settings_area(app, staff):
    html = staff.client(app, "operator").get("/admin/").get_data(as_text=True)
    for href in ("/admin/plans", "/admin/subsidies", "/admin/banks", "/advisors/"):
        assert f'href="{href}"' in html


@pytest.mark.parametrize("url", ["/admin/", "/admin/plans", "/admin/subsidies", "/admin/bank",
                                 "/admin/banks", "/admin/banks/1"])
def test_logged_out_goes_to_login_and_htmx_gets_401(client, app_ctx, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    response = client.get(url, headers={"HX-Request": "true",
                                        "HX-Current-URL": "http://localhost/admin/"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith(
        "/auth/login")


def test_settings_pages_are_not_cached(app, staff):
    response = staff.client(app, "operator").get("/admin/subsidies")
    assert response.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in response.headers["Vary"]
