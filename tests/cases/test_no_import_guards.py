"""A broken import is an error, never a silent no-op: bank withdrawals and erasure must not switch themselves off."""

from __future__ import annotations

import sys

import pytest

from cases import services
from tests.casework.conftest import make_case


@pytest.mark.django_db
def test_bank_sync_raises_when_the_bank_module_cannot_be_imported(monkeypatch):
    case = make_case()
    monkeypatch.setitem(sys.modules, "hashing.bank.sync", None)  # the next import of it raises ImportError
    with pytest.raises(ImportError):
        services.case_bank_sync(case=case)


@pytest.mark.django_db
def test_erasure_raises_and_erases_nothing_when_casework_cannot_be_imported(monkeypatch):
    case = make_case()
    monkeypatch.setitem(sys.modules, "cases.casework.services", None)
    with pytest.raises(ImportError):
        services.case_erase(case=case)
    case.refresh_from_db()
    assert case.erased_at is None
