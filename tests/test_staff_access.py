"""No staff path leads from an admin id to someone's result, and the outcomes dashboard has its own permission.

A result is opened by its token alone; the person holds it (in the URL they bookmarked and their signed cookie).
The database keeps only a hash of it, the admin never shows or filters on it, and "view on site" has no URL to go to.
"""

import hashlib
import os

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from diagnosis.models import Assessment

from .journeys import answer_all, finish
from .test_concurrency import server_database  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db
EDITOR_GROUP = "内容编辑"


def staff_client(client, name, *, superuser=False, group=None, perms=()):
    user = User.objects.create_user(name, password="x", is_staff=True, is_superuser=superuser)
    if group:
        user.groups.add(Group.objects.get(name=group))
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return client


@pytest.fixture
def result(client, kb, content):
    answer_all(client, kb, {"symptom": "limit_gone"})
    url = finish(client)
    return url.split("/")[2], Assessment.objects.get()


STAFF = {
    "no permissions": {},
    "may view results": {"perms": ("view_assessment",)},
    "editor": {"group": EDITOR_GROUP},
    "superuser": {"superuser": True},
}


@pytest.mark.parametrize("who", STAFF)
def test_view_on_site_never_redirects_staff_to_a_result(client, result, who):
    token, assessment = result
    staff = staff_client(client, "staff", **STAFF[who])
    content_type = ContentType.objects.get_for_model(Assessment)
    response = staff.get(f"/admin/r/{content_type.pk}/{assessment.pk}/")
    assert response.status_code == 404
    assert token not in response.get("Location", "") and "/r/" not in response.get("Location", "")


def test_the_database_keeps_only_a_hash_of_the_token(result):
    token, assessment = result
    row = Assessment.objects.values().get(pk=assessment.pk)
    assert token not in str(row)
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()


@pytest.mark.parametrize(
    "lookup",
    ["token__regex=^[A-M]", "token__startswith=A", "token_hash__startswith=a", "token_hash__regex=^[0-7]",
     "token_hash=x", "token_hash__gt=8"],
)  # fmt: skip
def test_the_results_list_refuses_token_lookups(client, result, lookup):
    staff = staff_client(client, "boss", superuser=True)
    response = staff.get(f"/admin/diagnosis/assessment/?{lookup}")
    assert response.status_code in (302, 400)  # refused, never a filtered list
    if response.status_code == 302:
        assert response["Location"].endswith("?e=1")


def test_the_results_list_and_page_show_nothing_of_the_token(client, result):
    token, assessment = result
    staff = staff_client(client, "boss", superuser=True)
    for url in ["/admin/diagnosis/assessment/", f"/admin/diagnosis/assessment/{assessment.pk}/change/"]:
        html = staff.get(url).content.decode()
        assert token[:4] not in html and assessment.token_hash[:8] not in html
        assert "/r/" not in html and "令牌" not in html


def test_ordering_by_a_hidden_column_is_ignored(client, result):
    staff = staff_client(client, "boss", superuser=True)
    assert staff.get("/admin/diagnosis/assessment/?o=1").status_code == 200  # the first shown column, not the hash


# --- The outcomes dashboard ------------------------------------------------------------------------------------


def test_staff_without_the_dashboard_permission_cannot_open_it(client, content):
    staff = staff_client(client, "helper", perms=("view_assessment",))
    for params in ("", "?format=csv"):
        response = staff.get(f"/admin/dashboard/{params}")
        assert response.status_code == 403
    assert "效果看板" not in staff.get("/admin/").content.decode()


@pytest.mark.parametrize("who", ["editor", "superuser", "dashboard only"])
def test_staff_with_the_dashboard_permission_open_it(client, content, who):
    setup = {**STAFF, "dashboard only": {"perms": ("view_dashboard",)}}[who]
    staff = staff_client(client, "reader", **setup)
    assert staff.get("/admin/dashboard/").status_code == 200
    assert 'href="/admin/dashboard/"' in staff.get("/admin/").content.decode()


def test_the_editor_group_has_the_dashboard_permission(db):
    codenames = Group.objects.get(name=EDITOR_GROUP).permissions.values_list("codename", flat=True)
    assert "view_dashboard" in codenames


def test_finishing_keeps_the_raw_token_only_in_the_link_and_cookie(client, kb, content):
    answer_all(client, kb, {"symptom": "limit_gone"})
    url = finish(client)
    token = url.split("/")[2]
    assert client.get(url).status_code == 200
    assert Assessment.objects.current().by_token(token).pk == Assessment.objects.get().pk
    assert Assessment.objects.current().by_token(token).token == token
    assert Assessment.objects.current().by_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert Assessment.objects.get().finished_at <= timezone.now()


# --- Existing results survive the switch to hashed tokens --------------------------------------------------------

OLD_ROW = """
from django.db.migrations.loader import MigrationLoader
from django.db import connection
from django.utils import timezone
from datetime import timedelta
apps = MigrationLoader(connection).project_state(("diagnosis", "0003_content_editor_group")).apps
Old = apps.get_model("diagnosis", "Assessment")
Old.objects.create(token=%r, answers={"symptom": "limit_gone"}, finished_at=timezone.now(),
                   expires_at=timezone.now() + timedelta(days=30))
"""
CHECK = """
from diagnosis.models import Assessment
row = Assessment.objects.values("token_hash").get()
found = Assessment.objects.current().by_token(%r)
print(row["token_hash"], found.result_url())
"""


@pytest.mark.django_db(False)
def test_the_migration_hashes_the_tokens_of_existing_results(server_database):  # noqa: F811
    import subprocess
    import sys

    from .serving import ROOT

    url, _count = server_database
    env = {**os.environ, "SECRET_KEY": "migration-test-only", "DEBUG": "0", "HTTPS": "0", "DATABASE_URL": url}

    def manage(*args):
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    token = "Old-Result-Token_0123456"
    manage("migrate", "--noinput", "diagnosis", "0003")
    manage("shell", "-c", OLD_ROW % token)
    manage("migrate", "--noinput")
    stored, link = manage("shell", "-c", CHECK % token).strip().splitlines()[-1].split()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert link == f"/r/{token}/"
