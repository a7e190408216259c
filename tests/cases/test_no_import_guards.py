"""A broken import is an error, never a silent no-op: bank withdrawals and erasure must not switch themselves off."""

from __future__ import annotations

import importlib
import sys

import pytest

from cases import services
from tests.casework.conftest import make_case


def test_case_services_fail_to_load_when_the_bank_sync_cannot_be_imported(monkeypatch):
    # The bank sync is imported at module level: a broken import stops the process from starting instead of
    # leaving a portal that files cases and never shares or withdraws their hashes.
    monkeypatch.setitem(sys.modules, "cases.bank_sync", None)  # the next import of it raises ImportError
    monkeypatch.delitem(sys.modules, "cases.services")
    with pytest.raises(ImportError):
        importlib.import_module("cases.services")


@pytest.mark.django_db
def test_erasure_raises_and_erases_nothing_when_casework_cannot_be_imported(monkeypatch):
    case = make_case()
    monkeypatch.setitem(sys.modules, "cases.casework.services", None)
    with pytest.raises(ImportError):
        services.case_erase(case=case)
    case.refresh_from_db()
    assert case.erased_at is None
