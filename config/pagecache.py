"""A whole-page cache for anonymous GETs, in each worker's memory, that still gives every visitor their own
CSRF token and CSP nonce.

Why not Django's `cache_page`: a page with a form carries the visitor's CSRF token and its CSP nonce, so a stored
copy would hand one visitor's token to the next. Here the stored copy keeps *slots* where the token and nonce
were; every hit fills them with this visitor's values (a fresh mask of their own CSRF secret, set as a cookie for
a new visitor exactly as Django does), so two visitors never see the same token and each can post only with
their own. Why in memory and not Redis: one Redis round trip costs about as much as rendering a small page.

What is stored and served (everything else passes straight through):
- only the views listed in PAGES, only GET, only without a query string, only without HX-Request or
  Authorization, and only when the request carries no cookie but the CSRF one: the checkup, voter, session
  (staff) and messages cookies all change what a page shows, and any cookie we do not know about might too;
- only 200 responses that set no cookie and did not touch the session.

Freshness: a stored page is served only after one small query re-reads what it depends on (the content revision
for every page, plus a result's state for a result page: diagnosis/freshness.py) and finds the values it was
rendered with. An editor's change is therefore seen on the next request in every worker, a deleted or expired
result is 404 at once, and votes, the follow-up question and anything else stored against a result show as soon
as they are saved. Entries also expire after PAGE_CACHE_SECONDS and the oldest go first beyond
PAGE_CACHE_MAX_BYTES, so a deleted result's HTML does not linger in a worker that is never asked for it again.

A result page may tell browsers `Cache-Control: private, no-store`: that keeps it out of shared proxies and off
the visitor's disk. This cache is the server itself, keyed on the unguessable URL and re-checked on every hit, so
it stores result pages all the same.

`X-Page-Cache: hit|stored|miss` is added when PAGE_CACHE_HEADER is on (tests, the benchmark, DEBUG); the
same word is always on `response.page_cache` for the test client.
"""

import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, _unmask_cipher_token
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from .precompressed import Precompressed

# What every stored page depends on: the content revision (a dotted path, so config imports no app).
REVISION_CHECK = "guides.revision.revision_check"
# View name → what its page depends on beyond the content revision: dotted paths of functions that take the
# URL's keyword arguments and return a check (diagnosis/freshness.py). A page not listed is never stored.
PAGES = {
    "diagnosis:home": (),
    "diagnosis:step": (),  # without the checkup cookie only the first question renders; the rest redirect
    "diagnosis:result": ("diagnosis.freshness.result_check",),
    "guides:index": (),
    "guides:detail": (),
    "sitemap": (),
}

SLOT = re.compile(rb"\x00slot:(csrf|nonce)\x00")
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
MASKED_TOKEN = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{%d}(?![A-Za-z0-9])" % (2 * CSRF_SECRET_LENGTH))
HARMLESS_VARY = {"cookie", "hx-request", "accept-encoding", "accept-language"}


@dataclass(frozen=True)
class Entry:
    parts: tuple  # the page's bytes around the slots where this visitor's CSRF token or nonce go
    slots: tuple  # "csrf" or "nonce", one between each two parts
    gzipped: Precompressed | None  # the same page compressed once (None: GZipMiddleware compresses each time)
    headers: dict
    checks: tuple  # functions (with their URL arguments) whose SQL proves the copy still current
    stamps: tuple  # what those checks returned just before the page was rendered
    expires: float
    csp: dict  # per-view CSP overrides (`_csp_config`…) the CSP middleware reads from the response
    size: int

    def fill(self, values):
        out = [self.parts[0]]
        for slot, part in zip(self.slots, self.parts[1:], strict=True):
            out += (values[slot], part)
        return b"".join(out)


class PageStore:
    """A small LRU of entries bounded in bytes; one per process, shared by its threads."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.entries = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        now = time.monotonic()
        with self.lock:
            self._drop(key)
            self.entries[key] = entry
            self.size += entry.size
            while self.entries and (self.size > self.max_bytes or next(iter(self.entries.values())).expires < now):
                self._drop(next(iter(self.entries)))

    def discard(self, key):
        with self.lock:
            self._drop(key)

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.size = 0

    def _drop(self, key):
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.size -= entry.size


store = PageStore(getattr(settings, "PAGE_CACHE_MAX_BYTES", 32 * 1024 * 1024))


def clear():
    """Forget every stored page in this process (tests; other processes re-check on their next hit anyway)."""
    store.clear()
    _not_cached.clear()


_not_cached = {}  # paths resolved once to a view that is never stored (bounded below)


def read_stamps(checks):
    """Run every check of a page in one query; None when the database cannot answer."""
    sqls, params = [], []
    for check in checks:
        sql, check_params = check()
        sqls.append(f"({sql})")
        params.extend(check_params)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(sqls)}", params)
            return tuple(cursor.fetchone())
    except DatabaseError:
        return None


class PageCacheMiddleware:
    """Serve and store whole pages; sits right after CsrfViewMiddleware so Django sets the CSRF cookie itself."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = getattr(settings, "PAGE_CACHE_ENABLED", True)
        self.seconds = getattr(settings, "PAGE_CACHE_SECONDS", 600)
        self.header = getattr(settings, "PAGE_CACHE_HEADER", False)
        self.allowed_cookies = {settings.CSRF_COOKIE_NAME}

    def __call__(self, request):
        key = self.key(request) if self.enabled else None
        if key is None:
            return self.get_response(request)
        entry = store.get(key)
        if entry is not None:
            if entry.expires > time.monotonic() and read_stamps(entry.checks) == entry.stamps:
                return self.serve(request, entry)
            store.discard(key)
        return self.render_and_store(request, key)

    def key(self, request):
        """The page's key, or None when this request must not be served from or stored in the cache."""
        meta = request.META
        if (
            request.method != "GET"
            or meta.get("QUERY_STRING")
            or "HTTP_HX_REQUEST" in meta
            or "HTTP_AUTHORIZATION" in meta
            or settings.CSRF_USE_SESSIONS
        ):
            return None
        if "HTTP_COOKIE" in meta and not self.allowed_cookies.issuperset(request.COOKIES):
            return None
        try:
            host = request.get_host()
        except DisallowedHost:
            return None  # the view raises it again and answers 400
        return (request.scheme, host, request.path, get_language())

    def serve(self, request, entry):
        values = {}
        if "csrf" in entry.slots:
            values["csrf"] = visitor_csrf_token(request).encode()
        if "nonce" in entry.slots:
            values["nonce"] = str(request._csp_nonce).encode()
        response = HttpResponse(headers=entry.headers)
        if entry.gzipped is not None and ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            response.content = entry.gzipped.gzip(values)
            response["Content-Encoding"] = "gzip"
        else:
            response.content = entry.fill(values)
        patch_vary_headers(response, ("Accept-Encoding",))
        for name, value in entry.csp.items():
            setattr(response, name, value)
        return self.mark(response, "hit")

    def render_and_store(self, request, key):
        checks = self.checks_for(request)
        if checks is None:
            return self.get_response(request)
        stamps = read_stamps(checks)  # read before rendering: a change during the render is caught next time
        response = self.get_response(request)
        if stamps is None or None in stamps or not self.storable(request, response):
            return self.mark(response, "miss")
        entry = self.entry(request, response, checks, stamps)
        if entry is None:
            return self.mark(response, "miss")
        store.put(key, entry)
        return self.mark(response, "stored")

    def checks_for(self, request):
        """The checks of the page this path shows, or None when that page is never stored."""
        path = request.path_info
        if path in _not_cached:
            return None
        try:
            match = resolve(path)
        except Resolver404:
            match = None
        if match is None or match.view_name not in PAGES:
            if len(_not_cached) > 10_000:
                _not_cached.clear()
            _not_cached[path] = True
            return None
        extra = tuple(_bind(import_string(name), match.kwargs) for name in PAGES[match.view_name])
        return (import_string(REVISION_CHECK), *extra)

    def storable(self, request, response):
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        if response.has_header("Content-Encoding"):
            return False
        session = getattr(request, "session", None)
        if session is not None and session.modified:
            return False
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
        return vary <= HARMLESS_VARY

    def entry(self, request, response, checks, stamps):
        """The response as a stored page with this visitor's CSRF token and nonce cut out, or None if unsafe."""
        content = response.content
        if SLOT.search(content):
            return None
        lengths = {}
        secret = request.META.get("CSRF_COOKIE")
        if secret:
            tokens = {t for t in MASKED_TOKEN.findall(content) if _unmask_cipher_token(t.decode()) == secret}
            for token in tokens:
                content = content.replace(token, b"\x00slot:csrf\x00")
                lengths["csrf"] = len(token)
            if secret.encode() in content:
                return None  # the secret in a form we cannot recognise: never store it
        nonce = getattr(request, "_csp_nonce", None)
        if nonce:  # a LazyNonce is true once the page used it
            content = content.replace(str(nonce).encode(), b"\x00slot:nonce\x00")
            lengths["nonce"] = len(str(nonce))
        pieces = SLOT.split(content)
        parts, slots = tuple(pieces[0::2]), tuple(s.decode() for s in pieces[1::2])
        if "csrf" not in slots and request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return None  # the token was used where we cannot see it
        gzipped = None
        if len(content) >= 200 and not any(b in content for b in Precompressed.placeholder_bytes(lengths)):
            gzipped = Precompressed(parts, slots, lengths)
        headers = {name: value for name, value in response.headers.items() if name.lower() != "content-length"}
        csp = {name: getattr(response, name) for name in ("_csp_config", "_csp_ro_config") if hasattr(response, name)}
        size = 2 * len(content) if gzipped is None else len(content) + sum(map(len, gzipped.pieces))
        return Entry(parts, slots, gzipped, headers, checks, stamps, time.monotonic() + self.seconds, csp, size)

    def mark(self, response, outcome):
        response.page_cache = outcome
        if self.header:
            response["X-Page-Cache"] = outcome
        return response


_CHARS = CSRF_ALLOWED_CHARS.encode()
_INDEX = {c: i for i, c in enumerate(CSRF_ALLOWED_CHARS)}
# Bytes 0-247 map evenly onto the 62 allowed characters (248 = 4 × 62); 248-255 are dropped, so no bias.
_TO_CHARS = bytes(_CHARS[i % len(_CHARS)] for i in range(256))
_UNEVEN = bytes(range(4 * len(_CHARS), 256))


def _random_chars(count):
    chars = b""
    while len(chars) < count:
        chars += secrets.token_bytes(count + 8).translate(_TO_CHARS, _UNEVEN)
    return chars[:count].decode()


def visitor_csrf_token(request):
    """Django's `get_token`, with one call to the system's random source instead of one per character.

    Same secret, same cookie handling (CsrfViewMiddleware sets it for a new visitor and renews it), same
    masking: a fresh random mask added to the secret character by character, which Django unmasks to check.
    """
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = request.META["CSRF_COOKIE"] = _random_chars(CSRF_SECRET_LENGTH)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_chars(CSRF_SECRET_LENGTH)
    size = len(CSRF_ALLOWED_CHARS)
    return mask + "".join(CSRF_ALLOWED_CHARS[(_INDEX[s] + _INDEX[m]) % size] for s, m in zip(secret, mask, strict=True))


def _bind(function, kwargs):
    def check():
        return function(**kwargs)

    return check
