"""Destructive buttons ask first, in a real browser: 取り戻す on the case page (an htmx form,
where hx-confirm on the button would be ignored) sends nothing when the officer cancels."""
import pytest

from tests.browser.test_e2e import _logged_in, browser, live_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_withdraw_asks_first_and_cancel_sends_nothing(live_server, browser):  # noqa: F811
    context = _logged_in(browser, live_server, "officer@kitakyushu", "demo-officer")
    page = context.pages[0]
    try:
        page.goto(f"{live_server}/cases/")
        page.locator("tr", has_text="小倉焼うどん本舗").locator("a").first.click()
        page.wait_for_selector("#referral-panel")
        asked: list[str] = []

        def cancel(dialog):
            asked.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", cancel)
        page.click("button[value=withdraw]")
        page.wait_for_timeout(500)  # a request, if one were sent, would swap the panel
        assert asked == ["申請を取り戻しますか？"]
        assert page.locator("button[value=withdraw]").count() == 1
        page.reload()
        assert "役席の承認待ち" in page.locator("#referral-panel").inner_text()

        page.remove_listener("dialog", cancel)
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("button[value=withdraw]")
        page.wait_for_selector("text=取り戻しました（現在：取り戻し）")
    finally:
        context.close()
