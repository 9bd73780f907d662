"""End to end in real headless Chromium (Debian's package, driven by Playwright): log in,
interview a client through the wizard, open the matches, pick the team, download the
proposal. Saves screenshots of the main screens under docs/screenshots/."""
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def live_server():
    from app.demo.seed import seed_demo

    folder = tempfile.mkdtemp(prefix="pta-e2e-")
    app = create_app({"TESTING": False, "SECRET_KEY": "e2e",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/e2e.db"})
    app.instance_path = folder
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["APP_BASE_URL"] = base  # links in mails and QR codes
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make install-test`")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
        ])
        yield browser
        browser.close()


def test_intake_to_proposal(live_server, browser, tmp_path):
    from app.demo.seed import DEMO_LOGINS

    login_id, password = next((row[0], row[1]) for row in DEMO_LOGINS if row[2] == "担当者")
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True,
                                  locale="ja-JP")
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith((live_server, "data:", "blob:")) else None)

    page.goto(f"{live_server}/auth/login")
    page.screenshot(path=str(SHOTS / "01-login.png"))
    page.fill("#login_id", login_id)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.screenshot(path=str(SHOTS / "02-home.png"))

    # Live search (htmx) finds the client by its reading typed in hiragana.
    page.goto(f"{live_server}/clients/")
    page.fill("input[name=q]", "とばたてっこう")
    page.wait_for_selector("#client-results >> text=戸畑鉄工所")
    page.screenshot(path=str(SHOTS / "03-clients-search.png"))
    page.click("#client-results >> text=戸畑鉄工所")
    page.wait_for_selector("text=DXニーズヒアリングを始める")
    page.click("text=DXニーズヒアリングを始める")

    # Step 1: needs
    page.wait_for_selector("text=1. 現状とニーズ")
    page.fill("#f-current_situation", "在庫はExcelで担当者1名が管理。")
    page.check("input[name=needs][value='在庫・受発注・生産管理']")
    page.screenshot(path=str(SHOTS / "04-intake-step1.png"), full_page=True)
    page.click("button[value=next]")
    # Step 2: notes with live suggestions (htmx)
    page.wait_for_selector("#f-notes")
    page.fill("#f-notes", "在庫を紙とExcelで管理しており、月末の棚卸しに3日かかる。"
                          "若手の採用にも苦戦している。求人を出しても応募が来ない。")
    suggestion = page.wait_for_selector(
        "input[name=accepted_needs][value='採用・採用ブランディング']")
    suggestion.check()
    page.screenshot(path=str(SHOTS / "05-intake-notes-suggestions.png"), full_page=True)
    page.click("button[value=next]")
    # Step 3: a bad budget is kept and explained, then corrected
    page.wait_for_selector("#f-budget_monthly_max")
    page.fill("#f-tools", "kintone、Excel")
    page.fill("#f-budget_monthly_max", "五万円")
    page.check("input[name=onsite_required][value=on]")
    page.click("button[value=next]")
    page.wait_for_selector("#f-budget_monthly_max-error")
    assert page.input_value("#f-tools") == "kintone、Excel"
    page.screenshot(path=str(SHOTS / "06-intake-error.png"), full_page=True)
    page.fill("#f-budget_monthly_max", "６０，０００円")
    page.click("button[value=next]")
    # Step 4: review and complete
    page.wait_for_selector("text=入力内容の確認")
    assert "¥60,000" in page.content()
    page.click("text=ヒアリングを完了してアドバイザー候補を見る")
    page.wait_for_selector("text=おすすめ順")
    page.screenshot(path=str(SHOTS / "07-matching.png"), full_page=True)
    assert page.locator(".advisor-row .reasons li").count() > 0
    assert page.locator("[data-excluded]").count() > 0

    # Pick the proposed team, issue a proposal, download it.
    page.click("text=このチームで提案書へ進む")
    page.wait_for_selector("text=提案書（PDF）を発行する")
    page.select_option("#f-plan", "standard")
    page.click("text=提案書（PDF）を発行する")
    page.wait_for_selector("text=を発行しました")
    page.screenshot(path=str(SHOTS / "08-case-proposal.png"), full_page=True)
    with page.expect_download() as info:
        page.click("[data-download=proposal]")
    pdf = tmp_path / "proposal.pdf"
    info.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "御中" in text and "戸畑鉄工所" in text
    no_tying = "本サービスのご利用の有無は、当金庫とのお取引に一切影響いたしません。"
    assert no_tying in text.replace(" ", "")
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(SHOTS / "09-proposal-page")], check=True)

    # Consent (電子), then the referral goes to the 役席 and the 支店長.
    page.click("text=同意を記録する")
    page.wait_for_selector("text=第三者提供の同意を記録する")
    page.check("input[name=method][value=electronic]")
    page.screenshot(path=str(SHOTS / "10-consent.png"), full_page=True)
    page.click("button:has-text('同意を記録する')")
    page.wait_for_selector("text=お客さまの同意を記録しました")
    page.fill("#f-submit-comment", "戸畑鉄工所さまの在庫管理と採用のご支援です。")
    page.click("text=紹介稟議を申請する")
    page.wait_for_selector("text=紹介稟議を申請しました")
    case_url = page.url.split("#")[0]
    assert outside == [], f"requests left the app: {outside}"
    context.close()

    _approve(browser, live_server, "supervisor@kitakyushu", "demo-supervisor", "11-approval-queue")
    _approve(browser, live_server, "manager@kitakyushu", "demo-manager", None)
    context = _logged_in(browser, live_server, login_id, password)
    page = context.pages[0]
    page.goto(case_url)
    page.wait_for_selector("text=承認済")
    page.screenshot(path=str(SHOTS / "12-case-approved.png"), full_page=True)
    with page.expect_download() as info:
        page.click("[data-download=referral]")
    pdf = tmp_path / "referral.pdf"
    info.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "紹介票兼同意確認書" in text and "古賀 誠" in text and "末松 修" in text
    context.close()


def _logged_in(browser, base: str, login_id: str, password: str, *, width: int = 1366,
               height: int = 768):
    context = browser.new_context(viewport={"width": width, "height": height},
                                  accept_downloads=True, locale="ja-JP")
    page = context.new_page()
    page.goto(f"{base}/auth/login")
    page.fill("#login_id", login_id)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return context


def _approve(browser, base: str, login_id: str, password: str, shot: str | None) -> None:
    """Approve the 戸畑鉄工所 referral inline in the queue (htmx swaps the row in place)."""
    context = _logged_in(browser, base, login_id, password)
    page = context.pages[0]
    assert "承認待ち" in page.content()  # the notice on the home page
    page.goto(f"{base}/approvals")
    row = page.locator(".queue-row", has_text="戸畑鉄工所")
    row.locator("textarea").fill("確認しました。")
    if shot:
        page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    url_before = page.url
    mine = page.locator("#queue-tiles label", has=page.locator("input[value=mine]")).locator(".n")
    waiting = int(mine.inner_text())
    row.locator("button[value=approve]").click()
    page.locator(".queue-row", has_text="承認しました").wait_for()
    assert page.url == url_before  # swapped in place, no page load
    from playwright.sync_api import expect

    expect(mine).to_have_text(str(waiting - 1))  # the counts follow the inline action
    context.close()


def test_agreement_signed_in_branch_on_a_phone(live_server, browser, tmp_path):
    """The demo's approved case (北九運輸): the officer creates the agreement and starts
    in-branch signing; the client signs on a phone-sized screen; the officer's QR page turns
    to 「ご署名いただきました」 by itself; the sealed PDF carries the certificate page."""
    officer = _logged_in(browser, live_server, "officer@kitakyushu", "demo-officer")
    page = officer.pages[0]
    page.goto(f"{live_server}/cases/")
    page.locator("tr", has_text="北九運輸").locator("a").first.click()
    page.wait_for_selector("text=利用申込書兼契約書（電子契約）")
    page.click("text=契約書（PDF）を作成する")
    page.wait_for_selector("text=利用申込書兼契約書を作成しました")
    page.check("input[name=identity_confirmed]")
    page.click("text=QRコードを表示して店頭で署名")
    page.wait_for_selector(".qr svg")
    page.screenshot(path=str(SHOTS / "13-in-branch-qr.png"), full_page=True)
    link = page.inner_text(".qr-link code")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP",
                                is_mobile=True, has_touch=True, accept_downloads=True)
    signer = phone.new_page()
    signer.goto(link)
    signer.wait_for_selector("text=同意して署名する")
    signer.fill("#f-signer_name", "𠮷田 髙志")
    signer.fill("#f-signer_title", "代表取締役")
    for box in signer.locator("input[type=checkbox][name^=confirm_]").all():
        box.check()
    signer.screenshot(path=str(SHOTS / "14-signer-phone.png"), full_page=True)
    signer.click("text=同意して署名する")
    signer.wait_for_selector("text=ご署名ありがとうございました")
    signer.screenshot(path=str(SHOTS / "15-signer-done.png"), full_page=True)
    with signer.expect_download() as info:
        signer.click("text=署名済みの契約書（PDF）をダウンロード")
    pdf = tmp_path / "signed.pdf"
    info.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "合意締結証明書" in text and "𠮷田 髙志" in text and "店頭での本人確認" in text
    phone.close()

    page.wait_for_selector("text=ご署名いただきました", timeout=15000)  # htmx polling
    officer.close()
