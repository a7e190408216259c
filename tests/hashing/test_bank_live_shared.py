"""Web processes on the real database share one snapshot of the bank's index: one builds it, the others map
it; each catches up from the change sequence; the beat task's newer snapshot is picked up; and the answers are
those of a process that builds its own index in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from hashing.bank.live import LiveIndex, index_snapshot_write, segment_store
from hashing.engine.index import PdqIndex
from hashing.models import BankEntry, SignalType
from hashing.tasks import index_snapshot
from tests.hashing.bank_helpers import flip_bits, image_hashes, make_case, withdraw_consent


def worker() -> LiveIndex:
    """A web process as live_index() makes it: with the host's snapshot store."""
    return LiveIndex(SignalType.IMAGE_PDQ, PdqIndex, store=segment_store(SignalType.IMAGE_PDQ))


def found(index: LiveIndex, hex_value: str, threshold: int = 31) -> list[int]:
    return [match.entry_id for match in index.query([hex_value], threshold)[0]]


@pytest.mark.django_db
def test_the_second_process_maps_the_first_ones_snapshot_and_both_follow_the_bank(settings):
    images = [image_hashes() for _ in range(5)]
    cases = [make_case(files=[image]) for image in images]
    one, two = worker(), worker()
    probe = [flip_bits(image["pdq_dihedral"][3], 9, seed=i) for i, image in enumerate(images)]
    alone = LiveIndex(SignalType.IMAGE_PDQ, PdqIndex)  # the old way: its own copy in memory
    assert [found(one, p) for p in probe] == [found(two, p) for p in probe] == [found(alone, p) for p in probe]
    assert all(found(one, p) for p in probe)
    assert (one.builds, two.builds) == (1, 0)
    assert one.snapshot_name == two.snapshot_name
    assert len(list(Path(settings.BANK_INDEX_DIR).glob("ImagePDQ-*/header.json"))) == 1

    # Changes after the snapshot: each process replays them from the database, the files stay as they are.
    later = image_hashes()
    make_case(files=[later])
    withdraw_consent(cases[0])
    for index in (one, two, alone):
        assert found(index, later["pdq"]) == [BankEntry.objects.get(value=later["pdq"]).pk]
        assert found(index, probe[0]) == []
    assert (one.builds, two.builds, one.rebuilds, two.rebuilds) == (1, 0, 1, 1)


@pytest.mark.django_db
def test_the_beat_task_writes_a_newer_snapshot_which_processes_then_map(settings):
    make_case(files=[image_hashes()])
    one = worker()
    one.refresh()
    first = one.snapshot_name
    settings.BANK_INDEX_SNAPSHOT_AFTER_CHANGES = 2
    make_case(files=[image_hashes()])  # one entry changed: not yet due
    assert index_snapshot_write(signal_type=SignalType.IMAGE_PDQ, min_changes=2) is None
    later = image_hashes()
    make_case(files=[later])
    assert "ImagePDQ: ImagePDQ-" in index_snapshot()
    one.refresh()
    assert one.snapshot_name != first and one.rebuilds == 2 and one.builds == 1
    assert one.index.last_seq == BankEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    assert found(one, later["pdq"]) == [BankEntry.objects.get(value=later["pdq"]).pk]
    # The old snapshot is deleted once the new one is in place.
    names = [p.name for p in Path(settings.BANK_INDEX_DIR).glob("ImagePDQ-*")]
    assert names == [one.snapshot_name]


@pytest.mark.django_db
def test_a_corrupt_snapshot_on_disk_is_rebuilt_by_the_next_process_never_used(settings):
    image = image_hashes()
    make_case(files=[image])
    first = worker()
    first.refresh()
    head = Path(settings.BANK_INDEX_DIR) / first.snapshot_name / "head.npy"
    data = bytearray(head.read_bytes())
    data[-1] ^= 0xFF  # the stored vector of the entry no longer matches its own hash
    head.write_bytes(bytes(data))
    second = worker()
    assert found(second, image["pdq"]) == [BankEntry.objects.get(value=image["pdq"]).pk]
    assert second.builds == 1 and second.snapshot_name != first.snapshot_name
    assert not head.parent.exists()


@pytest.mark.django_db
def test_a_snapshot_ahead_of_the_bank_clock_is_discarded_not_used(settings):
    image = image_hashes()
    make_case(files=[image])
    store = segment_store(SignalType.IMAGE_PDQ)
    clock = BankEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    from hashing.bank.clock import clock_read

    epoch = clock_read().epoch
    # As after a database restored from an older backup: a snapshot claims changes the bank does not have.
    other = image_hashes()
    ahead = PdqIndex.from_pairs([(10**9, other["pdq"])], last_seq=clock + 1000)
    stale = store.write(ahead, epoch=epoch, seq=clock + 1000)
    index = worker()
    assert found(index, other["pdq"]) == []
    assert found(index, image["pdq"]) == [BankEntry.objects.get(value=image["pdq"]).pk]
    assert not stale.exists() and index.builds == 1 and index.last_seq == clock
