"""manage.py createstaff EMAIL --role caseworker|supervisor: create a staff account from the shell."""

import getpass
import sys

from django.core.management.base import BaseCommand, CommandError

from helpline.staff import roles
from helpline.staff.services import StaffError, staff_create


class Command(BaseCommand):
    help = "Create a caseworker or supervisor account. They must enrol in two-factor authentication at first sign-in."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=roles.ROLES)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from standard input instead of a prompt."
        )
        parser.add_argument(
            "--no-password", action="store_true", help="Create the account without a password (set it by reset)."
        )

    def handle(self, *args, email, role, first_name, last_name, password_stdin, no_password, **options):
        if no_password:
            password = None
        elif password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        try:
            user = staff_create(email=email, role=role, password=password, first_name=first_name, last_name=last_name)
        except StaffError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {role} {user.email}. They enrol in two-factor authentication at first sign-in."
            )
        )
