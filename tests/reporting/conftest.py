"""Fixtures for the reporting tests: the known data set written to the database, with its staff."""

from __future__ import annotations

import pytest

from helpline.staff import roles
from tests.conftest import make_staff
from tests.reporting import dataset


@pytest.fixture
def gone_caseworker(db):
    user = make_staff("gone@helpline.test", roles.CASEWORKER)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


@pytest.fixture
def staff(caseworker, other_caseworker, supervisor, gone_caseworker):
    return {"cw1": caseworker, "cw2": other_caseworker, "sup": supervisor, "gone": gone_caseworker}


@pytest.fixture
def data(staff):
    return dataset.insert(dataset.generate(), staff)


@pytest.fixture
def period():
    return dataset.period()


@pytest.fixture
def report_clock(settings, monkeypatch):
    """Pages worked out as the data set's figures are: in its time zone, at its NOW."""
    settings.TIME_ZONE = dataset.TZ
    monkeypatch.setattr("cases.reporting.period.clock", lambda: dataset.NOW)
    return dataset.NOW
