"""The admin login form, with the username length actually enforced.

Django's AuthenticationForm sets the username's max length only as a widget attribute, so an over-long
name reaches authenticate() and django-axes then fails to store it (varchar(255) on PostgreSQL). A real
validator turns it into an ordinary form error before anything is recorded.
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.validators import MaxLengthValidator


class AdminLoginForm(AdminAuthenticationForm):
    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length or 150))
