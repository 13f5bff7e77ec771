"""The feedback forms post to addresses under the page they sit on: a result (/r/<token>/…) or a guide."""

from django.urls import path, re_path

from diagnosis.urls import TOKEN

from . import views

app_name = "outcomes"

urlpatterns = [
    re_path(rf"^r/{TOKEN}/vote/$", views.finding_vote, name="finding_vote"),
    re_path(rf"^r/{TOKEN}/follow-up/$", views.follow_up, name="follow_up"),
    path("guides/<slug:slug>/feedback/", views.guide_feedback, name="guide_feedback"),
]
