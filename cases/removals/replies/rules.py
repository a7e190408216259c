"""Per-platform reply rules from the directory file: they suggest an outcome and pick out the ticket number.

A suggestion is only that: a person confirms it (services.reply_confirm). The rules are data in
cases/removals/data/directory.yaml (`reply_rules` of a platform), checked by `validate_rules` when the file loads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

PHRASE_KEYS = ("auto_reply", "removed", "refused", "needs_info")
RULE_KEYS = {*PHRASE_KEYS, "ticket", "source_url", "last_verified", "notes"}
# Rules run on text a stranger wrote: search only the start of it, where platforms put their verdict.
SEARCH_CHARS = 20_000


def validate_rules(raw) -> tuple[dict, list[str]]:
    """The block as stored (phrases lower case) and the problems found, each in plain words."""
    if raw in (None, {}):
        return {}, []
    if not isinstance(raw, dict):
        return {}, ["'reply_rules' must be a mapping"]
    problems = [f"'reply_rules' has an unknown field '{k}'" for k in sorted(set(raw) - RULE_KEYS)]
    rules: dict = {}
    for key in PHRASE_KEYS:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
            problems.append(f"'reply_rules.{key}' must be a list of non-empty phrases")
            continue
        rules[key] = [p.strip().lower() for p in value]
    ticket = raw.get("ticket", "")
    if ticket:
        if not isinstance(ticket, str) or len(ticket) > 200:
            problems.append("'reply_rules.ticket' must be one regular expression of at most 200 characters")
        else:
            try:
                compiled = re.compile(ticket)
            except re.error as exc:
                problems.append(f"'reply_rules.ticket' is not a valid regular expression ({exc})")
            else:
                if compiled.groups != 1:
                    problems.append("'reply_rules.ticket' must have exactly one group: the ticket number")
                else:
                    rules["ticket"] = ticket
    for key in ("source_url", "last_verified", "notes"):
        if key in raw:
            rules[key] = str(raw[key])
    # A platform's wording is a fact about that platform: it is taken only with the page that shows it and the day
    # that page was read (a rule nobody can trace back would be an invented one).
    if any(rules.get(k) for k in (*PHRASE_KEYS, "ticket")):
        if not rules.get("source_url", "").startswith("https://"):
            problems.append("'reply_rules' needs 'source_url': the https page that shows the platform's wording")
        try:
            date.fromisoformat(rules.get("last_verified", ""))
        except ValueError:
            problems.append("'reply_rules' needs 'last_verified': the day that page was read (YYYY-MM-DD)")
    return rules, problems


# Used for a platform whose entry has no `reply_rules`: plain English phrases, not any platform's own wording
# (none was confirmed from a primary source on 2026-12-06). A person confirms every suggestion anyway.
GENERIC_RULES: dict = {
    "removed": ["has been removed", "have removed", "we removed", "was removed", "has been taken down"],
    "refused": ["does not violate", "doesn't violate", "will not remove", "won't remove", "decided not to remove"],
    "needs_info": ["need more information", "need additional information", "please provide", "could you provide"],
    "auto_reply": ["we have received your report", "we received your report", "this is an automated"],
}


@dataclass(frozen=True)
class Suggestion:
    status: str  # "", acknowledged, removed, refused, needs_info
    ticket: str


def suggest(rules: dict, *, subject: str, text: str, is_auto_reply: bool) -> Suggestion:
    rules = rules or GENERIC_RULES
    haystack = f"{subject}\n{text[:SEARCH_CHARS]}"
    lower = haystack.lower()
    ticket = ""
    if rules.get("ticket"):
        found = re.search(rules["ticket"], haystack)
        if found:
            ticket = found.group(1).strip()[:100]
    # An outcome phrase wins over the acknowledgement: "we removed it" sent from a no-reply robot is still a removal.
    for status in ("removed", "refused", "needs_info"):
        if any(p in lower for p in rules.get(status, [])):
            return Suggestion(status=status, ticket=ticket)
    if is_auto_reply or any(p in lower for p in rules.get("auto_reply", [])):
        return Suggestion(status="acknowledged", ticket=ticket)
    return Suggestion(status="", ticket=ticket)
