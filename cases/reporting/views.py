"""Report pages and CSV exports: supervisors see the helpline's figures; every member of staff sees their own."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.reporting import reports
from cases.reporting.period import period_from_query
from cases.reporting.selectors import report_transaction
from helpline.staff import roles


def _render_page(request, page: reports.Page, tables, period, form):
    return render(
        request,
        "reporting/page.html",
        {
            "page": page,
            "pages": reports.SUPERVISOR_PAGES.values(),
            "tables": [reports.present(table) for table in tables],
            "period": period,
            "form": form,
            "is_own": page is reports.OWN_PAGE,
        },
    )


def _supervisor_page(request, name: str):
    page = reports.SUPERVISOR_PAGES[name]
    period, form = period_from_query(request.GET)
    with report_transaction():
        tables = page.build(period)
    return _render_page(request, page, tables, period, form)


@require_GET
@roles.staff_required(roles.SUPERVISOR)
def cases_report(request):
    return _supervisor_page(request, "cases")


@require_GET
@roles.staff_required(roles.SUPERVISOR)
def removals_report(request):
    return _supervisor_page(request, "removals")


@require_GET
@roles.staff_required(roles.SUPERVISOR)
def queue_report(request):
    return _supervisor_page(request, "queue")


@require_GET
@roles.staff_required(roles.SUPERVISOR)
def bank_report(request):
    return _supervisor_page(request, "bank")


@require_GET
@roles.staff_required()
def own_report(request):
    period, form = period_from_query(request.GET)
    with report_transaction():
        tables = reports.OWN_PAGE.build(period, request.user)
    return _render_page(request, reports.OWN_PAGE, tables, period, form)


def _csv(table, period, *, external: bool) -> HttpResponse:
    body = reports.table_csv(table, external=external)
    name = f"helpline-{table.slug}-{period.first_day}-{period.last_day}{'-external' if external else ''}.csv"
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _export(request, table: str, *, external: bool):
    build = reports.EXPORTS.get(table)
    if build is None:
        raise Http404("There is no report table by that name.")
    period, _form = period_from_query(request.GET)
    with report_transaction():
        built = build(period)
    if external and not built.external:
        raise Http404("This table lists single requests or staff, so it has no external export.")
    return _csv(built, period, external=external)


@require_GET
@roles.staff_required(roles.SUPERVISOR)
def export(request, table: str):
    return _export(request, table, external=False)


@require_GET
@roles.staff_required(roles.SUPERVISOR)
def export_external(request, table: str):
    return _export(request, table, external=True)


@require_GET
@roles.staff_required()
def own_export(request, table: str):
    build = reports.OWN_EXPORTS.get(table)
    if build is None:
        raise Http404("There is no table of your figures by that name.")
    period, _form = period_from_query(request.GET)
    with report_transaction():
        table = build(period, request.user)
    return _csv(table, period, external=False)
