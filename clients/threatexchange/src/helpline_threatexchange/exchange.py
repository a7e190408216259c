"""The helpline portal's hash bank as a python-threatexchange SignalExchangeAPI (fetch, checkpoints, feedback)."""

from __future__ import annotations

import copy
import hashlib
import logging
import time
import typing as t
from dataclasses import dataclass, field

import requests
from threatexchange.exchanges import auth, signal_exchange_api
from threatexchange.exchanges import fetch_state as state
from threatexchange.exchanges.collab_config import CollaborationConfigBase
from threatexchange.signal_type.signal_base import SignalType

from helpline_threatexchange.version import __version__

logger = logging.getLogger(__name__)

# The portal's fetch path per threatexchange signal type name. The portal's "md5" is the MD5 of any file a
# victim hashed; threatexchange's only MD5 type is video_md5, so image MD5s will only match if the partner
# hashes images with it too. "vpdq" is fetched once the portal serves video fingerprints and the partner
# has a signal type of that name (threatexchange.extensions.vpdq); a portal that predates it refuses the path
# and the fetch skips it. A vPDQ entry's signal is its `vpdq` string (VPDQSignal's form); its `value` is that
# string's SHA-256, which is how feedback names it.
NATIVE_TYPES: dict[str, str] = {"pdq": "pdq", "video_md5": "md5", "vpdq": "vpdq"}
OPTIONAL_NATIVE_TYPES = frozenset({"vpdq"})

ACTIVE = "Active"
# Both tell a partner to stop matching and drop the hash: the victim withdrew consent, or the case was erased.
DROPPED_STATUSES = frozenset({"Withdrawn", "Deleted"})

PAGE_SIZE = 1000
TIMEOUT_SECONDS = 60

# threatexchange's opinion categories as the portal's feedback values (StopNCII's spelling).
FEEDBACK_VALUES = {
    state.SignalOpinionCategory.POSITIVE_CLASS: "Blocked",
    state.SignalOpinionCategory.NEGATIVE_CLASS: "NotBlocked",
    state.SignalOpinionCategory.INVESTIGATION_SEED: "PendingReview",
}


class HelplinePortalError(Exception):
    """The portal refused a call; the message says why and what to do."""


@dataclass
class HelplinePortalCheckpoint(state.FetchCheckpointBase):
    """Where each signal type's fetch stopped: the portal's opaque cursor, which never expires (entries are
    never removed from the bank, only marked Withdrawn or Deleted, so resuming from any cursor misses nothing)."""

    cursors: dict[str, str] = field(default_factory=dict)  # portal type ("pdq", "md5", ...) -> next_cursor
    last_fetch_time: int = 0

    def is_stale(self) -> bool:
        return False

    def get_progress_timestamp(self) -> int | None:
        return self.last_fetch_time or None


@dataclass
class HelplinePortalSignalMetadata(state.FetchedSignalMetadata):
    """An Active bank entry: its id on the portal and, for PDQ, its quality and its 8 rotation/flip variants."""

    entry_id: int
    pdq_quality: int | None = None
    pdq_variants: list[str] = field(default_factory=list)

    def get_as_opinions(self) -> t.Sequence[state.SignalOpinion]:
        # A victim asked for the hash to be shared; the partner reviews a match before acting, as with StopNCII.
        return [state.SignalOpinion(False, state.SignalOpinionCategory.INVESTIGATION_SEED, set())]

    def __str__(self) -> str:
        return f"helpline entry {self.entry_id}"


@dataclass
class HelplinePortalCredentials(auth.CredentialHelper):
    """The portal's address and a partner API key, written `https://portal.example.org,KEY`."""

    ENV_VARIABLE: t.ClassVar[str] = "TX_HELPLINE_PORTAL_KEY"
    FILE_NAME: t.ClassVar[str] = "~/.tx_helpline_portal_key"

    base_url: str = field(metadata={"help": "The portal's address, e.g. https://portal.example.org"})
    # repr=False: a logged or printed credential object never shows the key.
    api_key: str = field(repr=False, metadata={"help": "The partner API key the helpline issued (shown to you once)."})

    @classmethod
    def _from_str(cls, s: str) -> HelplinePortalCredentials:
        base_url, comma, api_key = s.strip().rpartition(",")
        if not comma:
            raise ValueError("Write the credentials as 'https://portal.example.org,YOUR_KEY'.")
        return cls(base_url=base_url.strip(), api_key=api_key.strip())

    def _are_valid(self) -> bool:
        return self.base_url.startswith(("https://", "http://")) and bool(self.api_key)


class HelplinePortalClient:
    """The two calls the exchange needs: GET /api/v1/bank/{type} and POST /api/v1/feedback."""

    def __init__(
        self, base_url: str, api_key: str, *, page_size: int = PAGE_SIZE, session: requests.Session | None = None
    ) -> None:
        self.api_root = base_url.rstrip("/") + "/api/v1"
        self.page_size = page_size
        self.session = session or requests.Session()
        self.session.headers.update(
            {"Authorization": f"Bearer {api_key}", "User-Agent": f"helpline-threatexchange/{__version__}"}
        )

    def _check(self, response: requests.Response, what: str) -> dict[str, t.Any]:
        if response.status_code == 200:
            return response.json()
        try:
            detail = response.json().get("detail")
        except ValueError:
            detail = None
        hints = {
            401: "the key was refused: check it, or ask the helpline for a new one",
            403: "your key may not do this: ask the helpline to grant the scope",
            429: f"over the rate limit: retry after {response.headers.get('Retry-After', '60')} seconds",
        }
        hint = hints.get(response.status_code, str(detail) if detail else response.reason)
        raise HelplinePortalError(f"{what} failed with HTTP {response.status_code}: {hint}")

    def fetch_page(self, native_type: str, cursor: str | None) -> dict[str, t.Any] | None:
        """One page of the bank in change order, or None if the portal does not serve this type."""
        params: dict[str, t.Any] = {"limit": self.page_size}
        if cursor:
            params["cursor"] = cursor
        response = self.session.get(f"{self.api_root}/bank/{native_type}", params=params, timeout=TIMEOUT_SECONDS)
        if response.status_code == 422 and native_type in OPTIONAL_NATIVE_TYPES and _refuses_path(response):
            return None
        return self._check(response, f"Fetching {native_type} hashes")

    def submit_feedback(self, native_type: str, items: list[dict[str, t.Any]]) -> dict[str, t.Any]:
        response = self.session.post(
            f"{self.api_root}/feedback",
            json={"signal_type": native_type, "feedback": items},
            timeout=TIMEOUT_SECONDS,
        )
        return self._check(response, "Sending feedback")


UpdateKey = tuple[str, str]


class HelplinePortalSignalExchangeAPI(
    auth.SignalExchangeWithAuth[CollaborationConfigBase, HelplinePortalCredentials],
    signal_exchange_api.SignalExchangeAPIWithSimpleUpdates[
        CollaborationConfigBase,
        HelplinePortalCheckpoint,
        HelplinePortalSignalMetadata,
    ],
):
    """A helpline portal's hash bank over its native API.

    Keys are (signal type name, hash). An Active entry maps to its metadata; a Withdrawn or Deleted one maps
    to None, so `naive_fetch_merge` (and HMA's storage) drop it on the fetch that first sees the change.
    """

    def __init__(self, collab: CollaborationConfigBase, client: HelplinePortalClient) -> None:
        super().__init__()
        self.collab = collab
        self.client = client

    @classmethod
    def get_name(cls) -> str:
        return "helpline_portal"

    @staticmethod
    def get_config_cls() -> type[CollaborationConfigBase]:
        return CollaborationConfigBase

    @staticmethod
    def get_checkpoint_cls() -> type[HelplinePortalCheckpoint]:
        return HelplinePortalCheckpoint

    @staticmethod
    def get_record_cls() -> type[HelplinePortalSignalMetadata]:
        return HelplinePortalSignalMetadata

    @staticmethod
    def get_credential_cls() -> type[HelplinePortalCredentials]:
        return HelplinePortalCredentials

    @classmethod
    def for_collab(
        cls,
        collab: CollaborationConfigBase,
        credentials: HelplinePortalCredentials | None = None,
    ) -> HelplinePortalSignalExchangeAPI:
        credentials = credentials or HelplinePortalCredentials.get(cls)
        return cls(collab, HelplinePortalClient(credentials.base_url, credentials.api_key))

    @staticmethod
    def _wanted_types(supported_signal_types: t.Sequence[type[SignalType]]) -> list[tuple[str, str]]:
        """(threatexchange name, portal type) pairs to fetch; all of them if the caller names no types."""
        names = {signal_type.get_name() for signal_type in supported_signal_types}
        return [(name, native) for name, native in NATIVE_TYPES.items() if not names or name in names]

    def fetch_iter(
        self,
        supported_signal_types: t.Sequence[type[SignalType]],
        checkpoint: HelplinePortalCheckpoint | None,
    ) -> t.Iterator[state.FetchDelta[UpdateKey, HelplinePortalSignalMetadata, HelplinePortalCheckpoint]]:
        cursors = dict(checkpoint.cursors) if checkpoint else {}
        for type_name, native_type in self._wanted_types(supported_signal_types):
            while True:
                page = self.client.fetch_page(native_type, cursors.get(native_type))
                if page is None:
                    logger.info("the portal serves no %s hashes yet; skipped", native_type)
                    break
                updates = dict(_delta_entry(type_name, entry) for entry in page["entries"])
                if page["next_cursor"]:
                    cursors[native_type] = page["next_cursor"]
                # Each delta carries its own copy: a caller may keep an earlier checkpoint while we go on.
                yield state.FetchDelta(updates, HelplinePortalCheckpoint(copy.copy(cursors), int(time.time())))
                if not page["has_more"]:
                    break

    @classmethod
    def naive_convert_to_signal_type(
        cls,
        signal_types: t.Sequence[type[SignalType]],
        collab: CollaborationConfigBase,
        fetched: t.Mapping[UpdateKey, HelplinePortalSignalMetadata | None],
    ) -> dict[type[SignalType], dict[str, HelplinePortalSignalMetadata]]:
        """Each Active PDQ entry also indexes its 8 rotation and flip variants, so a rotated or mirrored
        re-upload matches; a variant never replaces another entry's own hash."""
        converted = super().naive_convert_to_signal_type(signal_types, collab, fetched)
        for signal_type, by_hash in converted.items():
            if signal_type.get_name() != "pdq":
                continue
            for metadata in list(by_hash.values()):
                for variant in metadata.pdq_variants:
                    by_hash.setdefault(variant, metadata)
        return converted

    def report_opinion(self, s_type: type[SignalType], signal: str, opinion: state.SignalOpinion) -> None:
        """Tell the helpline what you did with a match: POSITIVE_CLASS is Blocked, NEGATIVE_CLASS NotBlocked,
        INVESTIGATION_SEED PendingReview. Caseworkers see the counts on the case; nothing names the upload."""
        native_type = NATIVE_TYPES.get(s_type.get_name())
        if native_type is None:
            raise NotImplementedError(f"the helpline portal takes no feedback on {s_type.get_name()} signals")
        if native_type == "vpdq":
            signal = hashlib.sha256(signal.encode()).hexdigest()
        item = {"hash": signal, "value": FEEDBACK_VALUES[opinion.category], "tags": sorted(opinion.tags)}
        # The portal answers alike whether or not it holds the hash (it is no membership oracle), so there is
        # nothing to check in its answer beyond success.
        self.client.submit_feedback(native_type, [item])


def _refuses_path(response: requests.Response) -> bool:
    """The portal's 422 for a signal type it does not know (as opposed to, say, a bad cursor)."""
    try:
        problems = response.json().get("detail", [])
        return any(tuple(problem.get("loc", ())) == ("path", "signal_type") for problem in problems)
    except (ValueError, AttributeError, TypeError):
        return False


def _delta_entry(type_name: str, entry: dict[str, t.Any]) -> tuple[UpdateKey, HelplinePortalSignalMetadata | None]:
    # Withdrawn and Deleted vPDQ entries keep their `vpdq` string, so the key that drops one is the key that added it.
    signal = entry.get("vpdq") if type_name == "vpdq" else None
    key = (type_name, signal or entry["value"])
    if entry["status"] != ACTIVE:
        if entry["status"] not in DROPPED_STATUSES:
            # A status this version does not know: dropping is the safe reading for a victim's hash.
            logger.warning("unknown bank status %r for entry %s: dropped", entry["status"], entry["id"])
        return key, None
    return key, HelplinePortalSignalMetadata(
        entry_id=entry["id"],
        pdq_quality=entry.get("pdq_quality"),
        pdq_variants=list(entry.get("pdq_variants") or []),
    )
