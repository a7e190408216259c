#!/usr/bin/env python
"""Django's command-line utility for the helpline portal."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    # After `make run`, var/demo.env points every command at the demo (its embedded PostgreSQL, DEBUG on).
    from helpline.demo import load_demo_env

    load_demo_env()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
