from django.urls import path, re_path

from . import views

app_name = "diagnosis"

# Result tokens are secrets.token_urlsafe(16): 22 URL-safe characters. Anything else is a plain 404.
TOKEN = r"(?P<token>[A-Za-z0-9_-]{16,40})"

urlpatterns = [
    path("", views.home, name="home"),
    path("checkup/", views.start, name="start"),
    path("checkup/review/", views.review, name="review"),
    path("checkup/restart/", views.restart, name="restart"),
    path("checkup/<slug:slug>/", views.step, name="step"),
    re_path(rf"^r/{TOKEN}/$", views.result, name="result"),
    re_path(rf"^r/{TOKEN}/delete/$", views.delete_result, name="delete_result"),
    re_path(rf"^r/{TOKEN}/plan/$", views.plan, name="plan"),
    re_path(rf"^r/{TOKEN}/reminder\.ics$", views.reminder, name="reminder"),
]
