"""manage.py createpartner NAME --scopes fetch,match,feedback: create a partner platform and print its API key once."""

from django.core.management.base import BaseCommand, CommandError

from hashing.bank.partners import PartnerError, partner_create


class Command(BaseCommand):
    help = "Create a partner platform with API scopes and print its new key (shown this once; stored hashed)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The platform's name, as caseworkers will see it.")
        parser.add_argument(
            "--scopes", default="fetch,match,feedback", help="Comma-separated: fetch, match, feedback (default: all)."
        )
        parser.add_argument("--rate-limit", type=int, default=120, help="API calls allowed per minute (default 120).")

    def handle(self, *args, name, scopes, rate_limit, **options):
        wanted = [scope.strip() for scope in scopes.split(",") if scope.strip()]
        try:
            partner, _key, raw_key = partner_create(name=name, scopes=wanted, rate_limit_per_minute=rate_limit)
        except PartnerError as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(
            f"Created partner {partner.name} (scopes: {', '.join(sorted(partner.scopes))}; "
            f"{partner.rate_limit_per_minute} calls a minute). Its API key follows; it is shown only this once."
        )
        self.stdout.write(raw_key)
