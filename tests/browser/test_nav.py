"""The top bar in real headless Chromium: every menu label stays on one line and the bar keeps
its height, for the role with the most menu items (運営) at 1280px and a 支店長 at 1024px;
narrower than that, the menu scrolls sideways instead of wrapping."""
import pytest

from tests.browser.test_e2e import _logged_in, browser, live_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

HEADER_HEIGHT = 52  # .topbar in app.css

# Geometry of the top bar, measured in the page. A label's lines are counted from the client
# rects of its text (the link box itself is as tall as the bar).
MEASURE = """() => {
  const box = e => e.getBoundingClientRect();
  const lines = e => {
    const range = document.createRange();
    range.selectNodeContents(e);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                         .map(r => Math.round(r.top)));
    return {lines: tops.size, height: range.getBoundingClientRect().height,
            lineHeight: parseFloat(getComputedStyle(e).lineHeight)};
  };
  const nav = document.querySelector('.mainnav');
  const userbox = document.querySelector('.userbox');
  return {
    header: box(document.querySelector('.topbar')).height,
    nav: {right: box(nav).right, scrollWidth: nav.scrollWidth, clientWidth: nav.clientWidth,
          overflowX: getComputedStyle(nav).overflowX},
    userbox: {left: box(userbox).left, right: box(userbox).right},
    labels: [...nav.querySelectorAll('a'), ...userbox.querySelectorAll('.user-org, .user-name'),
             userbox.querySelector('button')]
      .map(e => ({text: e.textContent.trim(), top: Math.round(box(e).top), ...lines(e)})),
    links: [...nav.querySelectorAll('a')].map(a => Math.round(box(a).top)),
  };
}"""


def _measure(browser, live_server, role, width, height, tmp_path):  # noqa: F811
    from app.demo.seed import DEMO_LOGINS

    login_id, password = next((row[0], row[1]) for row in DEMO_LOGINS if row[2] == role)
    context = _logged_in(browser, live_server, login_id, password, width=width, height=height)
    try:
        page = context.pages[0]
        page.screenshot(path=str(tmp_path / f"navcheck_{login_id.split('@')[0]}_{width}.png"),
                        clip={"x": 0, "y": 0, "width": width, "height": 120})
        return page.evaluate(MEASURE)
    finally:
        context.close()


def _assert_one_row(m):
    assert m["header"] <= HEADER_HEIGHT
    for label in m["labels"]:
        assert label["lines"] == 1, f"「{label['text']}」が折り返されています"
        assert label["height"] <= 1.6 * label["lineHeight"], label
    assert len(set(m["links"])) == 1, m["links"]


# 運営 has the most menu items (9); 本部 has 9 as well with a longer organisation name.
@pytest.mark.parametrize(("role", "width", "height"), [
    ("運営", 1280, 800), ("本部", 1280, 800), ("本部", 1366, 768), ("支店長", 1024, 768),
])
def test_menu_fits_on_one_row(live_server, browser, tmp_path, role, width, height):  # noqa: F811
    m = _measure(browser, live_server, role, width, height, tmp_path)
    _assert_one_row(m)
    # Every item is visible without scrolling, and the user block does not cover the menu.
    assert m["nav"]["scrollWidth"] <= m["nav"]["clientWidth"], m["nav"]
    assert m["nav"]["right"] <= m["userbox"]["left"], m
    assert m["userbox"]["right"] <= width


def test_narrow_screen_scrolls_the_menu_instead_of_wrapping(live_server, browser,  # noqa: F811
                                                            tmp_path):
    m = _measure(browser, live_server, "運営", 900, 700, tmp_path)
    _assert_one_row(m)
    assert m["nav"]["overflowX"] in ("auto", "scroll")
    assert m["nav"]["scrollWidth"] > m["nav"]["clientWidth"]  # really narrower than the menu
    assert m["nav"]["right"] <= m["userbox"]["left"]
    assert m["userbox"]["right"] <= 900
