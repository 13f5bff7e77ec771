from django.urls import path

from . import views

app_name = "tools"

urlpatterns = [
    path("loan-cost/", views.loan_cost, name="loan_cost"),
]
