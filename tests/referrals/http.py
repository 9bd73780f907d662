"""A tiny real HTTP client (urllib + cookies) against a real threaded server on loopback, for
tests where requests must truly run at the same time."""
import contextlib
import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

from werkzeug.serving import make_server

from tests.factories import PASSWORD


@contextlib.contextmanager
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def token(self, path: str = "/") -> str:
        html = self.get(path)[1]
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
            r'"X-CSRFToken": "([^"]+)"', html)
        return match[1]

    def post(self, path: str, data: dict, *, htmx: bool = False) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        headers = {"HX-Request": "true"} if htmx else {}
        return self._open(urllib.request.Request(self.base + path, data=body, headers=headers))

    def login(self, user) -> None:
        status, _ = self.post("/auth/login", {"login_id": user.login_id, "password": PASSWORD,
                                              "csrf_token": self.token("/auth/login")})
        assert status == 200  # redirected to home and followed

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


def at_once(*calls):
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results
