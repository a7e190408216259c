"""Reply addresses: each emailed request gets `local+<token>@domain`, the token an HMAC no one can guess."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from helpline.crypto import keyed_digest

# r<request pk>t<24 hex of HMAC-SHA256>: 96 bits a forger must guess. The pk is the request's code (RR-000012),
# which platforms already see; it says nothing about the victim.
_TOKEN = re.compile(r"^r(\d{1,12})t([0-9a-f]{24})$")
_PLUS = re.compile(r"^[^@+\s]+\+([^@\s]+)@", re.ASCII)


def reply_token(request_id: int) -> str:
    return f"r{request_id}t{keyed_digest(str(request_id), purpose='reply-address')[:24]}"


def reply_address(base: str, request_id: int) -> str:
    """The helpline's reply address with the request's token added after a '+'."""
    local, _, domain = base.rpartition("@")
    if not local or not domain:
        return base
    return f"{local.split('+', 1)[0]}+{reply_token(request_id)}@{domain}"


@dataclass(frozen=True)
class TokenCheck:
    request_id: int | None  # set only when the token verified
    forged: bool  # a token of our form whose HMAC is wrong


def check_addresses(addresses: list[str]) -> TokenCheck:
    """Find a token in the addresses a mail was sent to. A token of the right form with a wrong MAC is forged."""
    forged = False
    for address in addresses:
        plus = _PLUS.match(address.strip().lower())
        if not plus:
            continue
        token = _TOKEN.match(plus.group(1))
        if not token:
            continue
        request_id = int(token.group(1))
        if hmac.compare_digest(reply_token(request_id), plus.group(1)):
            return TokenCheck(request_id=request_id, forged=False)
        forged = True
    return TokenCheck(request_id=None, forged=forged)
