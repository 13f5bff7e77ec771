"""Admin login lockout behind the TLS proxy: keyed on the real client address, with a cap per address.

Behind the proxy every request arrives from the proxy's address; the client's own address is the right-most entry
of X-Forwarded-For (the one the proxy appended). Anything to its left was sent by the client and can be forged.
Without the proxy, X-Forwarded-For is the client's own invention and is ignored.
"""

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from config.proxy import client_ip

pytestmark = pytest.mark.django_db
PASSWORD = "long-editor-password-2718"
PROXY = "127.0.0.1"  # gunicorn sees the proxy on loopback
SYMPTOM = {"symptom": "limit_gone"}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # many logins; hashing is not tested


@pytest.fixture
def editor(db):
    return User.objects.create_user("editor", password=PASSWORD, is_staff=True)


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_TLS_PROXY = True
    settings.PROXY_COUNT = 1


def via_proxy(real_address, forged=None):
    """A browser at `real_address` seen through the proxy, which appends the address it saw."""
    hops = [*([forged] if forged else []), real_address]
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=", ".join(hops))


def fail(browser, username="editor", times=1):
    for attempt in range(times):
        response = browser.post("/admin/login/", {"username": username, "password": f"wrong-{attempt}"})
        assert response.status_code in (200, 429), response.status_code


def logs_in(browser, username="editor"):
    response = browser.post("/admin/login/", {"username": username, "password": PASSWORD})
    return response.status_code == 302


def test_rate_limits_and_lockout_see_the_same_address(content, behind_proxy, settings):
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "config.proxy.client_ip"
    cache.clear()
    settings.ADDRESS_RATE_LIMIT = 2  # new checkups from one address: only the address ceiling applies
    codes = [
        via_proxy("198.51.100.7", forged=f"10.0.0.{n}").post("/checkup/symptom/", SYMPTOM).status_code for n in range(3)
    ]
    assert codes == [302, 302, 429]  # a forged entry does not make a new address
    assert via_proxy("203.0.113.9").post("/checkup/symptom/", SYMPTOM).status_code == 302
    cache.clear()


def test_behind_the_proxy_one_persons_mistakes_do_not_lock_out_another(editor, behind_proxy):
    fail(via_proxy("198.51.100.7"), times=5)
    assert not logs_in(via_proxy("198.51.100.7"))  # that address is locked for this account
    assert logs_in(via_proxy("203.0.113.9"))  # the editor at another address is not
    recorded = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert recorded == {"198.51.100.7"}


def test_behind_the_proxy_a_forged_header_does_not_escape_the_lockout(editor, behind_proxy):
    for n in range(5):
        fail(via_proxy("198.51.100.7", forged=f"10.0.0.{n}"))
    assert not logs_in(via_proxy("198.51.100.7", forged="10.0.0.99"))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_without_the_proxy_x_forwarded_for_is_ignored(editor, settings):
    settings.BEHIND_TLS_PROXY = False
    for n in range(5):
        fail(Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"))
    assert not logs_in(Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9"))
    assert logs_in(Client(REMOTE_ADDR="203.0.113.9"))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_one_address_cycling_usernames_is_capped(editor, behind_proxy, settings):
    limit = settings.LOGIN_FAILURES_PER_ADDRESS
    assert limit > settings.AXES_FAILURE_LIMIT
    attacker = via_proxy("198.51.100.7")
    for n in range(limit - 1):
        fail(attacker, username=f"guess{n}")
    assert logs_in(via_proxy("198.51.100.7"))  # below the cap, the right password still works
    for n in range(limit):
        fail(attacker, username=f"again{n}")
    locked = attacker.post("/admin/login/", {"username": "editor", "password": PASSWORD})
    assert locked.status_code == 429 and "登录失败次数过多" in locked.content.decode()
    assert logs_in(via_proxy("203.0.113.9"))  # other addresses are unaffected


def test_a_malformed_forwarded_address_falls_back_to_the_peer(editor, settings):
    settings.BEHIND_TLS_PROXY = True
    settings.PROXY_COUNT = 2  # a second hop whose entry the client controls when the chain is shorter than said
    browser = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="not-an-address, 198.51.100.7")
    fail(browser)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}


@pytest.mark.parametrize(
    ("behind", "remote", "forwarded", "expected"),
    [
        (False, "198.51.100.7", "10.0.0.1", "198.51.100.7"),
        (True, PROXY, "10.0.0.1, 198.51.100.7", "198.51.100.7"),
        (True, PROXY, "198.51.100.7", "198.51.100.7"),
        (True, PROXY, "", PROXY),
        (True, PROXY, " 2001:db8::1 ", "2001:db8::1"),
        (True, PROXY, "198.51.100.7:443", "198.51.100.7"),
        (True, PROXY, "[2001:db8::1]:443", "2001:db8::1"),
        (True, PROXY, "<script>", PROXY),
    ],
)
def test_client_ip(rf, settings, behind, remote, forwarded, expected):
    settings.BEHIND_TLS_PROXY = behind
    settings.PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
