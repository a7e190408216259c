"""manage.py db_grant_portal_role ROLE: run as the owner role after `migrate`; see helpline/dbroles.py."""

from django.core.management.base import BaseCommand, CommandError

from helpline.dbroles import RoleError, portal_role_grant


class Command(BaseCommand):
    help = (
        "Give the portal's database role the rights it needs and no more (SELECT and INSERT only on the audit log). "
        "Run it as the owner role, after every migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="The role web, worker and beat connect as, e.g. helpline_portal.")

    def handle(self, *args, role, **options):
        try:
            statements = portal_role_grant(role=role)
        except RoleError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{len(statements)} statements run: {role} has the portal's rights.")
