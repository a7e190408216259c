"""Exact-match index of the hash bank for MD5 and SHA-256 digests, fed by the same change feed as the PDQ index."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hashing.engine.feed import Change, check_entry_id, read_changes
from hashing.values import HashValueError, Md5Digest, Sha256Digest


class ExactIndex:
    """Digest -> entries holding it. A dict is all an exact match needs; the API is the PDQ index's."""

    def __init__(self, digest_type: type[Md5Digest] | type[Sha256Digest], *, last_seq: int = 0) -> None:
        self.digest_type = digest_type
        self.last_seq = last_seq
        self._entries_by_digest: dict[str, set[int]] = {}
        self._digests_by_entry: dict[int, tuple[str, ...]] = {}

    @classmethod
    def from_pairs(
        cls, digest_type: type[Md5Digest] | type[Sha256Digest], pairs: Iterable[tuple[int, str]], *, last_seq: int = 0
    ) -> ExactIndex:
        index = cls(digest_type, last_seq=last_seq)
        grouped: dict[int, list[str]] = {}
        for entry_id, digest in pairs:
            grouped.setdefault(check_entry_id(entry_id), []).append(digest)
        for entry, digests in grouped.items():
            index._set(entry, index._parse(digests))
        return index

    def _parse(self, digests: Sequence[str]) -> tuple[str, ...]:
        if isinstance(digests, str):
            raise HashValueError("expected a list of digests, got a single value")
        return tuple(self.digest_type.parse(d).hex for d in digests)

    def _set(self, entry: int, digests: tuple[str, ...] | None) -> None:
        for digest in self._digests_by_entry.pop(entry, ()):
            holders = self._entries_by_digest[digest]
            holders.discard(entry)
            if not holders:
                del self._entries_by_digest[digest]
        if digests:
            self._digests_by_entry[entry] = digests
            for digest in digests:
                self._entries_by_digest.setdefault(digest, set()).add(entry)

    def add(self, entry_id: int, digests: Sequence[str]) -> None:
        self._set(check_entry_id(entry_id), self._parse(digests))

    def withdraw(self, entry_id: int) -> None:
        self._set(check_entry_id(entry_id), None)

    def apply_changes(self, changes: Iterable[Change | tuple]) -> int:
        """Same contract as `HammingIndex.apply_changes`."""
        pending, last = read_changes(changes, self.last_seq, self._parse)
        for entry, digests in pending:
            self._set(entry, digests)
        self.last_seq = last
        return len(pending)

    def query(self, digests: Sequence[str]) -> list[list[int]]:
        """For each digest, the ids of the entries that hold it, in increasing order."""
        return [sorted(self._entries_by_digest.get(d, ())) for d in self._parse(digests)]

    def __len__(self) -> int:
        return len(self._entries_by_digest)
