"""Daily rollups the reports read for days already worked out, and the marks that say a day must be worked out again.

A rollup row is one day (in the helpline's TIME_ZONE) of one report, aggregated from the same SQL the page runs
live (cases/reporting/rollup.py). Triggers on the source tables (migration 0002) write a `RollupDirty` row in the
same transaction as any change that can move a rolled-up figure, so a day's rollup is used only while nothing it
was made from has changed since: a page works such days out live, and the beat task (reporting.refresh_rollups)
works them out again. PostgreSQL only, like the reports.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models


class RollupDirty(models.Model):
    """Something changed that a rollup of `report` may count: the day of `at` must be worked out again."""

    report = models.CharField(max_length=20)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["report", "at"], name="reporting_dirty_idx")]

    def __str__(self) -> str:
        return f"{self.report} {self.at:%Y-%m-%d %H:%M}"


class RollupDay(models.Model):
    """A day of a report that the rollup holds, worked out at `computed_at` for days in time zone `tz`.

    `stable_until`: the first moment a figure of that day changes by the clock alone (a deadline passing, a
    TAKE IT DOWN request reaching 48 hours); after it the day is worked out live until the next refresh.

    `sends_until` (removals only): the latest send by a member of staff among the day's requests. A caseworker's
    own figures count their sends before the period's end, so they read the day from the rollup only for a period
    ending after it (always, unless a request was sent again by someone after its own day)."""

    report = models.CharField(max_length=20)
    day = models.DateField()
    tz = models.CharField(max_length=64)
    computed_at = models.DateTimeField()
    stable_until = models.DateTimeField(null=True)
    sends_until = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "day"], name="reporting_rollupday_unique")]

    def __str__(self) -> str:
        return f"{self.report} {self.day}"


class RemovalDay(models.Model):
    """Requests (not escalations) last sent on `day` to one platform through one of its reporting channels (None:
    sent by hand without a channel), by where each stood when worked out, and the time from sending to removal of
    each removed one (seconds), for the percentiles. Reports sum a platform's channels; the board reads a channel's
    own rows (cases/removals/outcomes.py)."""

    day = models.DateField()
    platform_id = models.BigIntegerField()
    channel_id = models.BigIntegerField(null=True)
    sent = models.IntegerField()
    removed = models.IntegerField()
    refused = models.IntegerField()
    pending = models.IntegerField()
    follow_up_due = models.IntegerField(default=0)  # past the helpline's own target; overdue: past a legal one
    overdue = models.IntegerField()
    closed = models.IntegerField()
    tida = models.IntegerField()
    tida_breached = models.IntegerField()
    removal_seconds = ArrayField(models.FloatField())

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "platform_id", "channel_id"], name="reporting_removalday_unique", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} platform {self.platform_id} channel {self.channel_id}"


class RemovalSenderDay(models.Model):
    """RemovalDay per person who sent the requests (My figures): requests last sent on `day` to one platform that
    `sender_id` sent (moved to "sent") or approved for the portal to email, by where each stood when worked out.
    A request sent by two people counts for each. Kept with RemovalDay, for the same days, by the same refresh."""

    day = models.DateField()
    platform_id = models.BigIntegerField()
    sender_id = models.BigIntegerField()
    sent = models.IntegerField()
    removed = models.IntegerField()
    refused = models.IntegerField()
    pending = models.IntegerField()
    follow_up_due = models.IntegerField(default=0)  # past the helpline's own target; overdue: past a legal one
    overdue = models.IntegerField()
    closed = models.IntegerField()
    tida = models.IntegerField()
    tida_breached = models.IntegerField()
    removal_seconds = ArrayField(models.FloatField())

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sender_id", "day", "platform_id"], name="reporting_removalsenderday_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} platform {self.platform_id} sender {self.sender_id}"


class FirstActionDay(models.Model):
    """Cases filed on `day`, by urgency and by who acted first (None: nobody yet), and the time from filing to
    that first staff action of each (seconds), for the percentiles."""

    day = models.DateField()
    is_urgent = models.BooleanField()
    actor_id = models.BigIntegerField(null=True)
    cases = models.IntegerField()
    first_action_seconds = ArrayField(models.FloatField())

    class Meta:
        indexes = [models.Index(fields=["day"], name="reporting_firstaction_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} urgent={self.is_urgent}"
