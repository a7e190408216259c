"""Celery tasks for removal requests (thin: load by id, call a service, classify errors)."""

from celery import shared_task


@shared_task(name="removals.draft_for_case")
def draft_for_case(case_id: int) -> None:
    """Draft one request per (case, platform) and per (case, search engine). Filled in by the removals work."""
    raise NotImplementedError("drafting is being built (issue 5)")
