"""The partner's side, for real: helpline_threatexchange's exchange (and threatexchange's own StopNCII exchange,
whose withdrawal bug the partner docs describe) fetching from a live portal on PostgreSQL over HTTP."""

from __future__ import annotations

import itertools
import json
import os
import subprocess  # nosec B404 - runs the partner's threatexchange command line
import sys
from pathlib import Path

import pytest
import requests
from helpline_threatexchange import (
    TX_MANIFEST,
    HelplinePortalCheckpoint,
    HelplinePortalClient,
    HelplinePortalCredentials,
    HelplinePortalError,
    HelplinePortalSignalExchangeAPI,
    HelplinePortalSignalMetadata,
)
from threatexchange.exchanges.auth import SignalExchangeAPIInvalidAuthException
from threatexchange.exchanges.clients.stopncii.api import StopNCIIAPI, StopNCIICaseStatus, StopNCIIEndpoint
from threatexchange.exchanges.collab_config import CollaborationConfigBase
from threatexchange.exchanges.fetch_state import SignalOpinion, SignalOpinionCategory
from threatexchange.exchanges.impl.stop_ncii_api import StopNCIISignalExchangeAPI
from threatexchange.extensions.manifest import ThreatExchangeExtensionManifest
from threatexchange.extensions.vpdq.vpdq import VPDQSignal
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.utils import dataclass_json

from hashing.bank.partners import partner_create
from hashing.bank.selectors import partner_feedback_summary
from hashing.models import BankEntry, BankStatus, PartnerApiCall, SignalType
from tests.hashing.bank_helpers import erase, flip_bits, image_hashes, make_case, video_hashes, withdraw_consent
from tests.hashing.vpdq_videos import case_hash_fields, make_video, reencode_smaller

pytestmark = pytest.mark.django_db(transaction=True)

COLLAB = CollaborationConfigBase(name="helpline", api="helpline_portal", enabled=True)


@pytest.fixture
def partner_key(transactional_db):
    partner, _key, raw_key = partner_create(
        name="Platform X", scopes=["fetch", "feedback"], rate_limit_per_minute=10_000
    )
    return partner, raw_key


def portal_url(live_server) -> str:
    return f"http://127.0.0.1:{live_server.thread.port}"


def exchange_for(live_server, raw_key: str, *, page_size: int = 1000) -> HelplinePortalSignalExchangeAPI:
    return HelplinePortalSignalExchangeAPI(
        COLLAB, HelplinePortalClient(portal_url(live_server), raw_key, page_size=page_size)
    )


def fetch_into(exchange, state: dict, checkpoint=None, signal_types=(PdqSignal, VideoMD5Signal)):
    """A partner's fetch: every delta merged into its copy the way threatexchange's naive store does it."""
    deltas = list(exchange.fetch_iter(list(signal_types), checkpoint))
    for delta in deltas:
        HelplinePortalSignalExchangeAPI.naive_fetch_merge(state, delta.updates)
    return deltas, deltas[-1].checkpoint if deltas else checkpoint


def keys_for(files: list[dict]) -> set[tuple[str, str]]:
    """What a partner holds for a victim's files: image PDQs (and oriented PDQs) and every file's MD5."""
    keys = set()
    for fields in files:
        keys.add(("video_md5", fields["md5"]))
        if fields["media_kind"] == "image":
            keys.add(("pdq", fields["pdq"]))
            if fields.get("pdq_oriented"):
                keys.add(("pdq", fields["pdq_oriented"]))
    return keys


def test_the_manifest_loads_the_way_the_cli_and_hma_load_extensions():
    manifest = ThreatExchangeExtensionManifest.load_from_module_name("helpline_threatexchange")
    assert manifest is TX_MANIFEST
    assert manifest.apis == (HelplinePortalSignalExchangeAPI,)
    assert HelplinePortalSignalExchangeAPI.get_name() == "helpline_portal"


def test_a_withdrawn_hash_is_dropped_by_the_partners_next_fetch(live_server, partner_key):
    _partner, raw_key = partner_key
    kept_files = [image_hashes(), video_hashes()]
    withdrawn_files = [image_hashes(pdq_oriented=flip_bits("0" * 64, 40)), image_hashes()]
    erased_files = [image_hashes()]
    kept, withdrawn, erased = (make_case(files=files) for files in (kept_files, withdrawn_files, erased_files))
    make_case(shared=False, files=[image_hashes()])
    exchange = exchange_for(live_server, raw_key)

    state: dict = {}
    _deltas, checkpoint = fetch_into(exchange, state)
    assert set(state) == keys_for(kept_files) | keys_for(withdrawn_files) | keys_for(erased_files)
    pdq = state[("pdq", kept_files[0]["pdq"])]
    assert isinstance(pdq, HelplinePortalSignalMetadata)
    assert pdq.pdq_variants == kept_files[0]["pdq_dihedral"]
    assert pdq.entry_id == BankEntry.objects.get(signal_type=SignalType.IMAGE_PDQ, value=kept_files[0]["pdq"]).id

    withdraw_consent(withdrawn)
    erase(erased)
    deltas, checkpoint = fetch_into(exchange, state, checkpoint)
    # One fetch later the victim's hashes are gone from the partner's copy; the other case's are untouched.
    assert set(state) == keys_for(kept_files)
    changed = {key: value for delta in deltas for key, value in delta.updates.items()}
    assert set(changed) == keys_for(withdrawn_files) | keys_for(erased_files)
    assert all(value is None for value in changed.values())
    statuses = set(BankEntry.objects.filter(value__in=[v for _t, v in changed]).values_list("status", flat=True))
    assert statuses == {BankStatus.WITHDRAWN, BankStatus.DELETED}

    # And they are not in what the matcher indexes either.
    indexed = HelplinePortalSignalExchangeAPI.naive_convert_to_signal_type([PdqSignal, VideoMD5Signal], COLLAB, state)
    assert set(indexed[PdqSignal]) == set(kept_files[0]["pdq_dihedral"])
    assert set(indexed[VideoMD5Signal]) == {fields["md5"] for fields in kept_files}
    assert kept is not None


def test_a_rotated_or_mirrored_reupload_matches_through_the_indexed_variants(live_server, partner_key):
    _partner, raw_key = partner_key
    image = image_hashes()
    make_case(files=[image])
    state: dict = {}
    fetch_into(exchange_for(live_server, raw_key), state)
    indexed = HelplinePortalSignalExchangeAPI.naive_convert_to_signal_type([PdqSignal], COLLAB, state)
    index = PdqSignal.get_index_cls().build(indexed[PdqSignal].items())
    mirrored_and_recompressed = flip_bits(image["pdq_dihedral"][5], 10, seed=3)
    found = index.query(mirrored_and_recompressed)
    assert [match.metadata.entry_id for match in found] == [
        BankEntry.objects.get(signal_type=SignalType.IMAGE_PDQ, value=image["pdq"]).id
    ]
    # Without the variants only the upright image would match.
    upright_only = PdqSignal.get_index_cls().build([(image["pdq"], indexed[PdqSignal][image["pdq"]])])
    assert upright_only.query(mirrored_and_recompressed) == []


def test_a_variant_never_takes_the_place_of_another_entrys_own_hash(live_server, partner_key):
    _partner, raw_key = partner_key
    first = image_hashes()
    second = image_hashes()
    second["pdq_dihedral"][3] = first["pdq"]  # a symmetric pair: one's variant is the other's hash
    make_case(files=[first, second])
    state: dict = {}
    fetch_into(exchange_for(live_server, raw_key), state)
    indexed = HelplinePortalSignalExchangeAPI.naive_convert_to_signal_type([PdqSignal], COLLAB, state)
    assert indexed[PdqSignal][first["pdq"]] is state[("pdq", first["pdq"])]


def test_checkpoints_resume_without_repeats_or_gaps_across_pages(live_server, partner_key):
    _partner, raw_key = partner_key
    early = [image_hashes() for _ in range(5)]
    cases = [make_case(files=early[:3]), make_case(files=early[3:])]
    exchange = exchange_for(live_server, raw_key, page_size=2)

    # The partner stops part-way through (its process is restarted) and keeps the checkpoint it last saved.
    state: dict = {}
    first_run = exchange.fetch_iter([PdqSignal, VideoMD5Signal], None)
    seen_first = []
    for delta in itertools.islice(first_run, 2):  # two pages of PDQs out of three
        assert len(delta.updates) <= 2
        HelplinePortalSignalExchangeAPI.naive_fetch_merge(state, delta.updates)
        seen_first.extend(delta.updates)
        saved = delta.checkpoint
    first_run.close()
    assert isinstance(saved, HelplinePortalCheckpoint) and not saved.is_stale()

    late = [image_hashes(), video_hashes()]
    make_case(files=late)
    withdraw_consent(cases[1])
    deltas, _checkpoint = fetch_into(exchange, state, saved)
    seen_second = [key for delta in deltas for key in delta.updates]

    assert len(seen_first) == len(set(seen_first)) == 4
    assert len(seen_second) == len(set(seen_second)), "no change delivered twice in one run"
    # The only keys both runs carried are those that changed after the first run saw them.
    assert set(seen_first) & set(seen_second) <= keys_for(early[3:])
    # No gap: everything is there, the withdrawn case's hashes are not.
    assert set(state) == keys_for(early[:3]) | keys_for(late)
    assert all(len(delta.updates) <= 2 for delta in deltas)

    # Nothing changed since: the next fetch brings nothing and keeps the cursors.
    deltas_after, checkpoint_after = fetch_into(exchange, state, _checkpoint)
    assert [key for delta in deltas_after for key in delta.updates] == []
    assert checkpoint_after.cursors == _checkpoint.cursors


def test_an_older_portal_without_vpdq_is_skipped_and_a_bad_type_is_an_error(live_server, partner_key, monkeypatch):
    _partner, raw_key = partner_key
    image = image_hashes()
    make_case(files=[image])
    refusal = [{"loc": ["path", "signal_type"], "msg": "Input should be 'pdq'", "type": "enum"}]
    real_get = requests.Session.get

    def older_portal(session, url, **kwargs):  # a portal from before video fingerprints refuses the path
        if url.endswith("/bank/vpdq"):
            response = requests.Response()
            response.status_code, response._content = 422, json.dumps({"detail": refusal}).encode()
            return response
        return real_get(session, url, **kwargs)

    monkeypatch.setattr(requests.Session, "get", older_portal)
    state: dict = {}
    fetch_into(exchange_for(live_server, raw_key), state, signal_types=(PdqSignal, VPDQSignal))
    assert set(state) == {("pdq", image["pdq"])}
    # A type the portal should serve but refuses is an error, not a silent skip.
    with pytest.raises(HelplinePortalError, match="HTTP 422"):
        HelplinePortalClient(portal_url(live_server), raw_key).fetch_page("pdqq", None)


def test_vpdq_entries_are_fetched_matched_dropped_and_given_feedback_with_threatexchanges_signal_type(
    live_server, partner_key, tmp_path
):
    _partner, raw_key = partner_key
    filed = make_video(tmp_path / "filed.mp4", source="mandelbrot", seconds=6)
    case = make_case(files=[case_hash_fields(filed)])
    exchange = exchange_for(live_server, raw_key)
    state: dict = {}
    _deltas, checkpoint = fetch_into(exchange, state, signal_types=(VPDQSignal,))
    ((type_name, signal),) = state
    assert type_name == "vpdq" and VPDQSignal.validate_signal_str(signal) == signal
    # The partner's own vPDQ index (threatexchange's, over faiss) finds the re-encoded copy.
    converted = HelplinePortalSignalExchangeAPI.naive_convert_to_signal_type([VPDQSignal], COLLAB, state)
    index = VPDQSignal.get_index_cls().build(converted[VPDQSignal].items())
    copy = reencode_smaller(filed, tmp_path / "copy.mp4")
    (hit,) = index.query(VPDQSignal.hash_from_file(copy))
    assert hit.metadata.entry_id == BankEntry.objects.get(signal_type=SignalType.VPDQ).pk
    # Feedback names the entry by the signal string the partner holds.
    exchange.report_opinion(VPDQSignal, signal, SignalOpinion(True, SignalOpinionCategory.POSITIVE_CLASS, set()))
    assert partner_feedback_summary(case) == [("Platform X", "Blocked", 1)]
    # Withdrawn: the next fetch drops it by the same key.
    withdraw_consent(case)
    fetch_into(exchange, state, checkpoint, signal_types=(VPDQSignal,))
    assert state == {}


def test_feedback_through_report_opinion_reaches_the_case(live_server, partner_key):
    partner, raw_key = partner_key
    image, video = image_hashes(), video_hashes()
    case = make_case(files=[image, video])
    exchange = exchange_for(live_server, raw_key)
    exchange.report_opinion(PdqSignal, image["pdq"], SignalOpinion(True, SignalOpinionCategory.POSITIVE_CLASS, {"x"}))
    exchange.report_opinion(
        VideoMD5Signal, video["md5"], SignalOpinion(True, SignalOpinionCategory.POSITIVE_CLASS, set())
    )
    assert partner_feedback_summary(case) == [("Platform X", "Blocked", 2)]
    assert PartnerApiCall.objects.filter(partner=partner, endpoint="api.feedback", status=200).count() == 2
    # A match on a rotated re-upload is reported with the variant the partner's index held.
    negative = SignalOpinion(True, SignalOpinionCategory.NEGATIVE_CLASS, set())
    exchange.report_opinion(PdqSignal, image["pdq_dihedral"][4], negative)
    assert partner_feedback_summary(case) == [("Platform X", "Blocked", 2), ("Platform X", "NotBlocked", 1)]

    # Feedback on a hash the bank does not hold is answered like any other (no membership oracle) and recorded
    # nowhere.
    exchange.report_opinion(
        PdqSignal, flip_bits(image["pdq"], 1), SignalOpinion(True, SignalOpinionCategory.NEGATIVE_CLASS, set())
    )
    assert partner_feedback_summary(case) == [("Platform X", "Blocked", 2), ("Platform X", "NotBlocked", 1)]


def test_a_refused_key_says_so_in_plain_words(live_server, partner_key):
    exchange = exchange_for(live_server, "hp_not-a-key")
    with pytest.raises(HelplinePortalError, match="key was refused"):
        list(exchange.fetch_iter([PdqSignal], None))


def test_credentials_come_from_the_environment_or_a_file(live_server, partner_key, monkeypatch, tmp_path):
    _partner, raw_key = partner_key
    make_case(files=[image_hashes()])
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(HelplinePortalCredentials.ENV_VARIABLE, f"{portal_url(live_server)},{raw_key}")
    exchange = HelplinePortalSignalExchangeAPI.for_collab(COLLAB)
    assert len(next(exchange.fetch_iter([PdqSignal], None)).updates) == 1

    monkeypatch.delenv(HelplinePortalCredentials.ENV_VARIABLE)
    (tmp_path / ".tx_helpline_portal_key").write_text(f"{portal_url(live_server)}/,{raw_key}\n")
    exchange = HelplinePortalSignalExchangeAPI.for_collab(COLLAB)
    assert len(next(exchange.fetch_iter([PdqSignal], None)).updates) == 1

    monkeypatch.setenv(HelplinePortalCredentials.ENV_VARIABLE, raw_key)  # the address is missing
    with pytest.raises(SignalExchangeAPIInvalidAuthException):
        HelplinePortalSignalExchangeAPI.for_collab(COLLAB)


def test_upstream_stopncii_exchange_still_keeps_withdrawn_hashes(live_server, partner_key):
    """Pins threatexchange 1.2.17's defect that the partner docs describe: `_get_delta_mapping` compares
    `record.hashValue` with the Withdrawn/Deleted statuses, so a withdrawal through the StopNCII exchange is
    never applied. If this test fails, upstream has fixed it: update the README's partner section."""
    _partner, raw_key = partner_key
    image = image_hashes()
    case = make_case(files=[image])
    client = StopNCIIAPI(
        subscription_key=raw_key,
        fetch_function_key=raw_key,
        additional_function_keys={StopNCIIEndpoint.SubmitFeedback: raw_key},
        base_url_override=f"{portal_url(live_server)}/stopncii/v1",
    )
    exchange = StopNCIISignalExchangeAPI(CollaborationConfigBase(name="stopncii", api="StopNCII", enabled=True), client)
    state: dict = {}
    for delta in exchange.fetch_iter([], None):
        StopNCIISignalExchangeAPI.naive_fetch_merge(state, delta.updates)
    checkpoint = delta.checkpoint
    assert ("pdq", image["pdq"]) in state

    withdraw_consent(case)
    records = [
        record
        for page in client.fetch_hashes_iter(start_timestamp=checkpoint.update_time)
        for record in page.hashRecords
    ]
    assert {(r.hashValue, r.hashStatus) for r in records if r.hashValue == image["pdq"]} == {
        (image["pdq"], StopNCIICaseStatus.Withdrawn)
    }
    for delta in exchange.fetch_iter([], checkpoint):
        assert delta.updates.get(("pdq", image["pdq"])) is not None  # upstream reports it with metadata
        StopNCIISignalExchangeAPI.naive_fetch_merge(state, delta.updates)
    assert ("pdq", image["pdq"]) in state, "the portal said Withdrawn; threatexchange's StopNCII exchange kept it"


def run_threatexchange(home: Path, *args: str, key: str = "") -> str:
    """The partner's command line, with its state under a fresh HOME and the portal's credentials in the env."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "LANG": "C.UTF-8"}
    if key:
        env[HelplinePortalCredentials.ENV_VARIABLE] = key
    command = [str(Path(sys.executable).with_name("threatexchange")), *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_threatexchange_command_line_fetches_then_drops_a_withdrawal(live_server, partner_key, tmp_path):
    _partner, raw_key = partner_key
    kept, withdrawn = image_hashes(), image_hashes()
    make_case(files=[kept])
    case = make_case(files=[withdrawn])
    credentials = f"{portal_url(live_server)},{raw_key}"

    listed = run_threatexchange(tmp_path, "config", "extensions", "add", "helpline_threatexchange")
    assert "helpline_portal - HelplinePortalSignalExchangeAPI" in listed
    run_threatexchange(tmp_path, "config", "collab", "edit", "helpline_portal", "helpline", "--create")
    run_threatexchange(tmp_path, "fetch", key=credentials)
    signals = set(run_threatexchange(tmp_path, "dataset", "--print-signals", "--print-signals-only").split())
    assert {kept["pdq"], withdrawn["pdq"], kept["md5"], withdrawn["md5"]} <= signals
    assert set(kept["pdq_dihedral"]) <= signals, "the 8 variants are in the local index"
    rotated = run_threatexchange(tmp_path, "match", "--hashes", "photo", "--", withdrawn["pdq_dihedral"][2])
    assert "helpline" in rotated

    withdraw_consent(case)
    run_threatexchange(tmp_path, "fetch", key=credentials)
    signals = set(run_threatexchange(tmp_path, "dataset", "--print-signals", "--print-signals-only").split())
    assert kept["pdq"] in signals
    assert not {withdrawn["pdq"], withdrawn["md5"], *withdrawn["pdq_dihedral"]} & signals
    assert run_threatexchange(tmp_path, "match", "--hashes", "photo", "--", withdrawn["pdq"]).strip() == ""
    assert "helpline" in run_threatexchange(tmp_path, "match", "--hashes", "photo", "--", kept["pdq"])


def test_hma_style_storage_drops_the_withdrawn_record_and_keeps_the_variants(live_server, partner_key):
    """What HMA's DefaultOMMStore does (OpenMediaMatch/storage/postgres/impl.py, read 2026-12-06): credentials
    from the exchange's credential_json set as the default around `for_collab`, then each fetched record is
    converted alone with `naive_convert_to_signal_type(types, collab, {key: value})` and a None deletes it."""
    _partner, raw_key = partner_key
    kept, withdrawn = image_hashes(), image_hashes()
    make_case(files=[kept])
    case = make_case(files=[withdrawn])
    credentials = dataclass_json.dataclass_load_dict(
        {"base_url": portal_url(live_server), "api_key": raw_key}, HelplinePortalCredentials
    )
    assert credentials._are_valid()
    assert raw_key not in repr(credentials)
    with HelplinePortalCredentials.set_default(credentials, "db"):
        exchange = HelplinePortalSignalExchangeAPI.for_collab(COLLAB)

    signals: dict[tuple[str, str], set[str]] = {}  # HMA's rows: record key -> its signals

    def commit(checkpoint):
        for delta in exchange.fetch_iter([PdqSignal, VideoMD5Signal], checkpoint):
            for key, value in delta.updates.items():
                converted = (
                    {} if value is None else exchange.naive_convert_to_signal_type([PdqSignal], COLLAB, {key: value})
                )
                if not converted:
                    signals.pop(key, None)
                else:
                    signals[key] = set(converted[PdqSignal])
            checkpoint = delta.checkpoint
        return checkpoint

    checkpoint = commit(None)
    assert signals[("pdq", withdrawn["pdq"])] == set(withdrawn["pdq_dihedral"])
    withdraw_consent(case)
    commit(checkpoint)
    assert set(signals) == {("pdq", kept["pdq"])}
    assert signals[("pdq", kept["pdq"])] == set(kept["pdq_dihedral"])
