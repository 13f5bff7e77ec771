#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

# Commands that neither serve nor sign anything may run without SECRET_KEY (a newcomer's first `check`, linters);
# serving (runserver, gunicorn through config/wsgi.py) and everything else still stop with the clear start-up error.
NO_SECRET_NEEDED = {"check", "makemigrations", "showmigrations"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in NO_SECRET_NEEDED:
        os.environ.setdefault("SECRET_KEY", f"unused-by-{sys.argv[1]}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
