"""Who is asking: login sessions (an unguessable cookie, HttpOnly and SameSite=Strict), CSRF tokens, and the
rate limit on failed logins.

Without a password (the default, bound to 127.0.0.1) the one person at this computer is the owner of every
round, and a session only carries the CSRF token that keeps other web sites from posting to the page. With a
password (any other host), each login is an owner of its own: one session never sees another's rounds.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

__all__ = ["COOKIE", "LOCAL_OWNER", "Limiter", "Session", "Sessions"]

COOKIE = "rosterkit_session"
LOCAL_OWNER = "local"


@dataclass
class Session:
    """One browser's (or script's) session: ``owner`` is whose rounds it sees, ``csrf`` the token its forms and
    API calls carry, ``authed`` whether it may use the page."""

    token: str
    owner: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    authed: bool = False
    seen: float = field(default_factory=time.monotonic)


class Limiter:
    """Failed logins per client: after ``attempts`` failures within ``window`` seconds, the client waits out the
    rest of the window (no guessing a password at network speed)."""

    def __init__(self, attempts: int = 5, window: float = 600.0) -> None:
        self.attempts, self.window = attempts, window
        self.failures: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds ``client`` must wait before trying again (0: it may try now)."""
        now = time.monotonic()
        with self.lock:
            recent = [t for t in self.failures.get(client, []) if now - t < self.window]
            self.failures[client] = recent
            return self.window - (now - recent[0]) if len(recent) >= self.attempts else 0.0

    def failed(self, client: str) -> None:
        with self.lock:
            self.failures.setdefault(client, []).append(time.monotonic())

    def succeeded(self, client: str) -> None:
        with self.lock:
            self.failures.pop(client, None)


class Sessions:
    """The sessions of one server, kept in memory (a restart logs everyone out)."""

    MAX = 10_000  # the oldest go first beyond this: a flood of new cookies cannot fill the memory

    def __init__(self, password: str | None, *, idle_seconds: float = 12 * 3600) -> None:
        self.password, self.idle = password, idle_seconds
        self.by_token: dict[str, Session] = {}
        self.limiter = Limiter()
        self.lock = threading.Lock()

    @property
    def local(self) -> bool:
        return self.password is None

    def get(self, token: str | None) -> Session | None:
        """The live session of a cookie value, or None."""
        if not token:
            return None
        with self.lock:
            s = self.by_token.get(token)
            if s is None:
                return None
            if time.monotonic() - s.seen > self.idle:
                del self.by_token[token]
                return None
            s.seen = time.monotonic()
            return s

    def new(self) -> Session:
        """A fresh session: authed with the local owner when there is no password, else waiting for a login."""
        s = Session(secrets.token_urlsafe(32), LOCAL_OWNER if self.local else "", authed=self.local)
        with self.lock:
            if len(self.by_token) >= self.MAX:
                oldest = min(self.by_token.values(), key=lambda x: x.seen)
                del self.by_token[oldest.token]
            self.by_token[s.token] = s
        return s

    def login(self, old: Session | None, password: str, client: str) -> Session | float | None:
        """A new authed session (a new cookie: the one from before the login is dropped) when ``password`` is
        right; None when wrong; the seconds to wait when ``client`` failed too often."""
        wait = self.limiter.wait(client)
        if wait:
            return wait
        if self.password is None or not secrets.compare_digest(password.encode(), self.password.encode()):
            self.limiter.failed(client)
            return None
        self.limiter.succeeded(client)
        self.drop(old)
        s = self.new()
        s.owner, s.authed = secrets.token_urlsafe(16), True
        return s

    def drop(self, s: Session | None) -> None:
        if s is not None:
            with self.lock:
                self.by_token.pop(s.token, None)

    def csrf_ok(self, s: Session, token: str | None) -> bool:
        return bool(token) and secrets.compare_digest(str(token).encode(), s.csrf.encode())
