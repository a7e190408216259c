"""The native partner API (django-ninja, OpenAPI at /api/v1/openapi.json): fetch the bank, match hashes against it."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, NinjaAPI, Path, Query, Schema
from ninja.decorators import decorate_view
from ninja.errors import ValidationError
from ninja.security import HttpBearer
from pydantic import BaseModel, WithJsonSchema, field_validator, model_validator

from hashing.bank.gate import audit_counts, partner_endpoint
from hashing.bank.live import live_index
from hashing.bank.partners import partner_feed_start
from hashing.bank.selectors import CursorError, active_entries, bank_page, decode_cursor, encode_cursor
from hashing.bank.services import FeedbackItem, bank_feedback_record
from hashing.bank.stopncii import MAX_FEEDBACK_ITEMS, MAX_TAG_LENGTH, MAX_TAGS
from hashing.bank.videos import (
    COMPARED_MATCH_PERCENT,
    FRAME_DISTANCE,
    QUALITY_THRESHOLD,
    QUERY_MATCH_PERCENT,
    usable_hashes,
    video_matches,
)
from hashing.models import BankEntry, BankStatus, FeedbackValue, Partner, SignalType
from hashing.values import (
    MAX_VPDQ_FRAMES,
    HashValueError,
    Md5Digest,
    PdqHash,
    PerceptualHash,
    Sha256Digest,
    vpdq_frames_parse,
)

MAX_MATCH_HASHES = 1000
MAX_PAGE = 5000


class NativeType(StrEnum):
    pdq = "pdq"
    phash = "phash"
    md5 = "md5"
    sha256 = "sha256"
    vpdq = "vpdq"


_SIGNAL_TYPES = {
    NativeType.pdq: SignalType.IMAGE_PDQ,
    NativeType.phash: SignalType.PHASH,
    NativeType.md5: SignalType.MD5,
    NativeType.sha256: SignalType.SHA256,
    NativeType.vpdq: SignalType.VPDQ,
}
_PARSERS = {
    NativeType.pdq: PdqHash.parse,
    NativeType.phash: PerceptualHash.parse,
    NativeType.md5: Md5Digest.parse,
    NativeType.sha256: Sha256Digest.parse,
    # A vPDQ entry's value is the SHA-256 of its `vpdq` string: feedback names the entry by it.
    NativeType.vpdq: Sha256Digest.parse,
}


class PartnerKeyAuth(HttpBearer):
    """Declares the key in the schema. The key itself is checked by `partner_endpoint`, which runs first and also
    accepts StopNCII's `Ocp-Apim-Subscription-Key` and `x-functions-key` headers."""

    def __call__(self, request: HttpRequest) -> Partner | None:
        return getattr(request, "bank_partner", None)

    def authenticate(self, request: HttpRequest, token: str) -> Partner | None:  # pragma: no cover - unused
        return getattr(request, "bank_partner", None)


api = NinjaAPI(
    title="Helpline hash bank",
    version="1",
    description=(
        "Hashes that victims of non-consensual intimate imagery shared with partner platforms. Fetch the bank by "
        "signal type, or match your uploads' hashes against it. Send your key as `Authorization: Bearer <key>`. "
        "A request body may be up to 2.5 MB (2,621,440 bytes; longer ones are refused with 413): a vPDQ match of "
        "the longest video allowed, 14,400 frames, is about 2.2 MB as compact JSON."
    ),
    urls_namespace="bank-api",
    docs_url=None,  # the docs page would load its scripts from another site; the schema is enough
    auth=PartnerKeyAuth(),
)


class Problem(Schema):
    detail: str


class ValidationProblem(Schema):
    detail: list[dict[str, Any]]


_REFUSALS = {401: Problem, 403: Problem, 429: Problem}


# The fetch's page models are plain pydantic models, not ninja Schemas: a Schema wraps every object it validates in
# ninja's DjangoGetter (a Python-level validator), which for a page of 1,000 entries cost about 250 ms of CPU, most of
# GET /api/v1/bank/<type> under load (issue 18, py-spy); pydantic validates these dicts in a few ms. Same JSON.
class BankEntryOut(BaseModel):
    id: int = Field(description="The bank entry; stable for the life of the bank.")
    value: str = Field(description="The hash, lowercase hex.")
    status: BankStatus = Field(description="Active: match it. Withdrawn or Deleted: drop it from your copy.")
    seq: int = Field(description="The bank change sequence of the entry's last change.")
    pdq_quality: int | None = None
    pdq_variants: list[str] | None = Field(None, description="PDQ only: the 8 rotation and flip variants.")
    vpdq: str | None = Field(
        None,
        description="vPDQ only: the video's frames as python-threatexchange's VPDQSignal string (a JSON list of "
        '"<pdq hex>,<quality>,<seconds>", one frame a second); `value` is the SHA-256 of this string.',
    )


class BankPageOut(BaseModel):
    signal_type: NativeType
    entries: list[BankEntryOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; keep the last one to fetch only later changes."
    )
    has_more: bool


_PAGE_LIMIT = Query(1000, ge=1, le=MAX_PAGE, description="Entries per page.")


@api.get(
    "/bank/{signal_type}",
    response={200: BankPageOut, 422: ValidationProblem, **_REFUSALS},
    summary="Fetch the bank, one signal type, in change order",
)
@decorate_view(partner_endpoint(endpoint="api.bank", scope=Partner.Scope.FETCH))
def bank_fetch(
    request: HttpRequest,
    signal_type: Path[NativeType],
    cursor: Query[str | None] = None,
    limit: int = _PAGE_LIMIT,
) -> dict[str, Any]:
    """Entries of one signal type ordered by their last change. A changed entry moves to the end, so following
    `next_cursor` until `has_more` is false, and later resuming from the last cursor, gives every change once."""
    try:
        position = decode_cursor(cursor) if cursor else None
    except CursorError as exc:
        raise ValidationError([{"loc": ["query", "cursor"], "msg": str(exc), "type": "value_error"}]) from None
    partner = request.bank_partner
    partner_feed_start(partner=partner)
    page = bank_page(partner=partner, signal_type=_SIGNAL_TYPES[signal_type], cursor=position, size=limit)
    entries = [
        {
            "id": record.id,
            "value": record.value,
            "status": record.status,
            "seq": record.seq,
            "pdq_quality": record.pdq_quality,
            "pdq_variants": [record.pdq_variants[i : i + 32].hex() for i in range(0, len(record.pdq_variants), 32)]
            if record.pdq_variants
            else None,
            "vpdq": record.vpdq_signal or None,
        }
        for record in page.records
    ]
    last = page.records[-1] if page.records else None
    audit_counts(request, hashes_out=len(entries))
    # A dict: ninja validates it once against BankPageOut (building the models here too validated it twice).
    return {
        "signal_type": signal_type,
        "entries": entries,
        "next_cursor": encode_cursor(last.seq, last.id) if last else cursor,
        "has_more": page.has_more,
    }


def _hex_list(length: int) -> Any:
    """A list of hex hashes; the schema shows their exact form, the validator below names a bad one in plain words."""
    item = Annotated[str, WithJsonSchema({"type": "string", "pattern": f"^[0-9a-fA-F]{{{length}}}$"})]
    return list[item]


class _MatchRequest(Schema):
    @field_validator("hashes", check_fields=False)
    @classmethod
    def _hashes_of_type(cls, hashes: list[str]) -> list[str]:
        parse = _PARSERS[NativeType(cls.model_fields["signal_type"].default)]
        valid = []
        for position, text in enumerate(hashes):
            try:
                valid.append(parse(text).hex)
            except HashValueError as exc:
                raise ValueError(f"hashes[{position}]: {exc}") from None
        return valid


_HASHES = {"min_length": 1, "max_length": MAX_MATCH_HASHES, "description": "Hex hashes, all of the given type."}


class PdqMatchIn(_MatchRequest):
    signal_type: Literal["pdq"] = "pdq"
    hashes: _hex_list(64) = Field(**_HASHES)
    max_distance: int = Field(31, ge=0, le=31, description="Match within this many bits of any of the 8 variants.")


class PhashMatchIn(_MatchRequest):
    signal_type: Literal["phash"] = "phash"
    hashes: _hex_list(16) = Field(**_HASHES)
    max_distance: int = Field(10, ge=0, le=10, description="Match within this many bits.")


class Md5MatchIn(_MatchRequest):
    signal_type: Literal["md5"] = "md5"
    hashes: _hex_list(32) = Field(**_HASHES)
    max_distance: int = Field(0, ge=0, le=0, description="Digests match exactly.")


class Sha256MatchIn(_MatchRequest):
    signal_type: Literal["sha256"] = "sha256"
    hashes: _hex_list(64) = Field(**_HASHES)
    max_distance: int = Field(0, ge=0, le=0, description="Digests match exactly.")


class VpdqFrameIn(Schema):
    pdq: Annotated[str, WithJsonSchema({"type": "string", "pattern": "^[0-9a-fA-F]{64}$"})] = Field(
        description="The frame's PDQ hash, hex."
    )
    quality: int = Field(ge=0, le=100, description="PDQ quality; frames below 50 are not compared.")
    frame_number: int = Field(ge=0, description="Frame number in the video; increasing through the list.")
    timestamp: float = Field(ge=0, description="Seconds from the start.")


class VpdqMatchIn(Schema):
    signal_type: Literal["vpdq"] = "vpdq"
    frames: list[VpdqFrameIn] = Field(
        min_length=1,
        max_length=MAX_VPDQ_FRAMES,
        description="One video's vPDQ features in frame order, as `vpdq.computeHash` gives them (one a second).",
    )
    min_query_match_percent: float = Field(
        QUERY_MATCH_PERCENT,
        ge=50,
        le=100,
        description="Report an entry when at least this share of your video's frames (after vPDQ's de-duplication "
        "and quality filter) is within 31 bits of one of its frames; vPDQ's own default is 80.",
    )
    min_compared_match_percent: float = Field(
        COMPARED_MATCH_PERCENT,
        ge=0,
        le=100,
        description="And at least this share of the entry's frames within 31 bits of one of yours; vPDQ's default 0.",
    )

    @model_validator(mode="after")
    def _frames_are_a_video(self) -> VpdqMatchIn:
        try:
            vpdq_frames_parse([frame.model_dump() for frame in self.frames])
        except HashValueError as exc:
            raise ValueError(str(exc).replace("vPDQ frame ", "frames[", 1).replace(":", "]:", 1)) from None
        for frame in self.frames:
            frame.pdq = frame.pdq.lower()
        return self


MatchIn = Annotated[
    PdqMatchIn | PhashMatchIn | Md5MatchIn | Sha256MatchIn | VpdqMatchIn, Field(discriminator="signal_type")
]


class BankMatchOut(Schema):
    entry_id: int
    value: str | None = Field(
        None,
        description="The bank entry's hash; only to keys with the fetch scope (they may fetch it anyway). Without "
        "it a match-only key learns the entry and its distance, never the stored value, so it cannot harvest "
        "the bank near by near.",
    )
    distance: int = Field(description="Hamming distance; for PDQ the smallest over the entry's 8 variants.")


class HashMatchesOut(Schema):
    hash: str
    matches: list[BankMatchOut] = Field(description="Active bank entries within max_distance, nearest first.")


class MatchOut(Schema):
    signal_type: NativeType
    max_distance: int
    results: list[HashMatchesOut] = Field(description="One per hash sent, in the same order.")


class VideoMatchOut(Schema):
    entry_id: int
    value: str | None = Field(None, description="The entry's value (SHA-256 of its frames); fetch-scope keys only.")
    query_match_percent: float = Field(description="Share of your video's compared frames that match the entry.")
    compared_match_percent: float = Field(description="Share of the entry's compared frames that match yours.")


class VpdqMatchOut(Schema):
    signal_type: Literal["vpdq"]
    max_distance: int = Field(description=f"Frames match within {FRAME_DISTANCE} bits (vPDQ's threshold).")
    quality_threshold: int = Field(description=f"Frames of quality below {QUALITY_THRESHOLD} are not compared.")
    min_query_match_percent: float
    min_compared_match_percent: float
    frames_compared: int = Field(
        description="Your frames left after vPDQ's de-duplication and quality filter; 0 means nothing could match."
    )
    matches: list[VideoMatchOut] = Field(description="Active vPDQ entries at or over both thresholds, best first.")


def _match_video(request: HttpRequest, payload: VpdqMatchIn) -> VpdqMatchOut:
    """vPDQ as python-threatexchange matches it (hashing.bank.videos), with the bank's frame index for candidates:
    only entries with at least one frame within 31 bits of a query frame are compared in full."""
    query = usable_hashes((frame.pdq, frame.quality) for frame in payload.frames)
    matches: list[VideoMatchOut] = []
    if query:
        found = live_index(SignalType.VPDQ).query(query, FRAME_DISTANCE)
        candidate_ids = {m.entry_id for hits in found for m in hits}
        rows = list(
            BankEntry.objects.filter(
                id__in=candidate_ids, signal_type=SignalType.VPDQ, status=BankStatus.ACTIVE
            ).values_list("id", "value", "vpdq_signal")
        )
        values = {entry_id: value for entry_id, value, _signal in rows}
        may_fetch = Partner.Scope.FETCH in request.bank_partner.scopes
        for m in video_matches(
            query=query,
            candidates={entry_id: signal for entry_id, _value, signal in rows},
            min_query_percent=payload.min_query_match_percent,
            min_compared_percent=payload.min_compared_match_percent,
        ):
            matches.append(
                VideoMatchOut(
                    entry_id=m.entry_id,
                    value=values[m.entry_id] if may_fetch else None,
                    query_match_percent=m.query_match_percent,
                    compared_match_percent=m.compared_match_percent,
                )
            )
    audit_counts(request, hashes_in=len(payload.frames), hashes_out=len(matches))
    return VpdqMatchOut(
        signal_type="vpdq",
        max_distance=FRAME_DISTANCE,
        quality_threshold=QUALITY_THRESHOLD,
        min_query_match_percent=payload.min_query_match_percent,
        min_compared_match_percent=payload.min_compared_match_percent,
        frames_compared=len(query),
        matches=matches,
    )


@api.post(
    "/match",
    response={200: MatchOut | VpdqMatchOut, 422: ValidationProblem, **_REFUSALS},
    summary="Match up to 1,000 hashes of one type, or one video's vPDQ frames, against the bank",
    exclude_none=True,
)
@decorate_view(partner_endpoint(endpoint="api.match", scope=Partner.Scope.MATCH))
def match(request: HttpRequest, payload: MatchIn) -> MatchOut | VpdqMatchOut:
    """PDQ matches within 31 bits (or less if asked) of any of an entry's 8 rotation and flip variants, so a
    rotated or mirrored re-upload still matches; pHash within 10 bits; MD5 and SHA-256 exactly. vPDQ takes one
    video's frames and answers with vPDQ's two match percentages per entry (frames within 31 bits, quality at
    least 50; by default at least 80% of your frames), as python-threatexchange's vPDQ matcher computes them."""
    if isinstance(payload, VpdqMatchIn):
        return _match_video(request, payload)
    native = NativeType(payload.signal_type)
    signal_type = _SIGNAL_TYPES[native]
    distance = payload.max_distance
    may_fetch = Partner.Scope.FETCH in request.bank_partner.scopes
    if native in (NativeType.pdq, NativeType.phash):
        found = live_index(signal_type).query(payload.hashes, distance)
        ids = {m.entry_id for matches in found for m in matches}
        values = dict(BankEntry.objects.filter(id__in=ids).values_list("id", "value")) if ids and may_fetch else {}
        per_hash = [[(m.entry_id, values.get(m.entry_id), m.distance) for m in matches] for matches in found]
    else:
        exact = active_entries(signal_type=signal_type, values=payload.hashes)
        per_hash = [
            [(entry_id, value if may_fetch else None, 0) for entry_id, value in exact.get(text, [])]
            for text in payload.hashes
        ]
    results = [
        HashMatchesOut(hash=text, matches=[BankMatchOut(entry_id=e, value=v, distance=d) for e, v, d in matches])
        for text, matches in zip(payload.hashes, per_hash, strict=True)
    ]
    audit_counts(request, hashes_in=len(payload.hashes), hashes_out=sum(len(r.matches) for r in results))
    return MatchOut(signal_type=native, max_distance=distance, results=results)


class FeedbackItemIn(Schema):
    hash: str = Field(description="A hash as the bank gave it (hex), of the request's signal type.")
    value: FeedbackValue = Field(
        description="What you did: Blocked (an upload matched and was blocked), NotBlocked (reviewed, not the "
        "imagery), PendingReview, or another of StopNCII's values."
    )
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS, description="Short labels of your own.")

    @field_validator("tags")
    @classmethod
    def _short_printable_tags(cls, tags: list[str]) -> list[str]:
        for position, tag in enumerate(tags):
            if len(tag) > MAX_TAG_LENGTH or not tag.isprintable():
                raise ValueError(f"tags[{position}] must be printable text of at most {MAX_TAG_LENGTH} characters")
        return tags


class FeedbackIn(Schema):
    signal_type: NativeType
    feedback: list[FeedbackItemIn] = Field(min_length=1, max_length=MAX_FEEDBACK_ITEMS)

    @model_validator(mode="after")
    def _hashes_of_type(self) -> FeedbackIn:
        parse = _PARSERS[self.signal_type]
        for position, item in enumerate(self.feedback):
            try:
                item.hash = parse(item.hash).hex
            except HashValueError as exc:
                raise ValueError(f"feedback[{position}].hash: {exc}") from None
        return self


class FeedbackOut(Schema):
    received: int = Field(
        description="Feedback items received. The answer is the same whether or not the bank holds each hash, so "
        "feedback cannot be used to test the bank's contents; feedback on hashes it does not share is dropped."
    )


def _pdq_variants_to_entries(items: list[FeedbackItem]) -> list[FeedbackItem]:
    """A partner's matcher indexes each entry's 8 rotation and flip variants, so it may report a variant: such
    feedback goes to the Active entries that have it (distance 0 in the live index); others stay unknown."""
    own = set(
        BankEntry.objects.filter(
            signal_type=SignalType.IMAGE_PDQ, value__in={item.hash_value for item in items}
        ).values_list("value", flat=True)
    )
    others = [item for item in items if item.hash_value not in own]
    if not others:
        return items
    found = live_index(SignalType.IMAGE_PDQ).query([item.hash_value for item in others], 0)
    ids = {match.entry_id for matches in found for match in matches}
    values = dict(BankEntry.objects.filter(id__in=ids).values_list("id", "value")) if ids else {}
    resolved = [item for item in items if item.hash_value in own]
    for item, matches in zip(others, found, strict=True):
        targets = [values[match.entry_id] for match in matches if match.entry_id in values]
        resolved += [replace(item, hash_value=value) for value in targets] or [item]
    return resolved


@api.post(
    "/feedback",
    response={200: FeedbackOut, 422: ValidationProblem, **_REFUSALS},
    summary="Tell the helpline what you did with matches",
)
@decorate_view(partner_endpoint(endpoint="api.feedback", scope=Partner.Scope.FEEDBACK))
def feedback(request: HttpRequest, payload: FeedbackIn) -> FeedbackOut:
    """Caseworkers see per-partner counts on the case; nothing about the matching upload is asked for or kept."""
    items = [FeedbackItem(hash_value=item.hash, value=item.value, tags=tuple(item.tags)) for item in payload.feedback]
    if payload.signal_type == NativeType.pdq:
        items = _pdq_variants_to_entries(items)
    outcome = bank_feedback_record(
        partner=request.bank_partner, items=items, signal_types=[_SIGNAL_TYPES[payload.signal_type]]
    )
    audit_counts(request, hashes_in=len(items))
    del outcome  # what was recorded stays inside the portal: see FeedbackOut.received
    return FeedbackOut(received=len(payload.feedback))
