"""A minimal browser for tests against a real server process: keeps
cookies, fills in CSRF tokens, and never raises on HTTP error statuses."""
import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request

from tests.conftest import CSRF, SECRET_ON_PAGE, authenticator_code
from tests.factories import TOTP_SECRET


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class HttpClient:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect)

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base_url + path))

    def csrf_token(self, path: str) -> str:
        return CSRF.search(self.get(path)[1]).group(1)

    def post(self, path: str, data: dict, token: str) -> tuple[int, str]:
        body = urllib.parse.urlencode({**data, "csrf_token": token}, doseq=True).encode()
        return self._open(urllib.request.Request(self.base_url + path, data=body))

    def sign_in(self, email: str, password: str) -> int:
        """Through the real forms, with the code step as the person's app
        would answer it (a fresh account: its secret is the factories' one,
        or the one shown on the set-up page)."""
        token = self.csrf_token("/sign-in")
        status, _ = self.post("/sign-in", {"email": email, "password": password}, token)
        step = self.location
        if status == 302 and step in ("/sign-in/code", "/sign-in/set-up-code"):
            secret = TOTP_SECRET
            if step == "/sign-in/set-up-code":
                secret = SECRET_ON_PAGE.search(self.get(step)[1]).group(1).replace(" ", "")
            status, _ = self.post(step, {"code": authenticator_code(secret)}, token)
        return status

    def _open(self, request) -> tuple[int, str]:
        self.location = None
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            self.location = error.headers.get("Location")
            return error.code, error.read().decode()
