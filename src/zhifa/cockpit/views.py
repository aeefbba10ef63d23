"""The supervision cockpit (执法监督驾驶舱): read-only pages over the indicator engine.

- overview `/cockpit/`: KPI tiles, agencies as bubbles, monthly trend, rankings, region grid;
- agency `/cockpit/agencies/<code>/`: every indicator with yoy and peer comparison, powers with
  use counts (never used first), officers' workload;
- power `/cockpit/powers/<code>/`: the power, its use by month, fines against the benchmark,
  its records (paged, HTMX);
- record `/cockpit/records/<family>/<source_system>/<source_id>/`: one stored record;
- alignment `/cockpit/alignment/`: complaints vs enforcement per industry, the gap list;
- bulletin `/cockpit/bulletin/`: the 执法情况通报 PDF.

Every page answers `?format=xlsx` with its tables. Scope: the indicators API's
(`visible_agencies`): agency roles their agency, supervisors their region subtree, others 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from zhifa.cockpit import bulletin as bulletin_pdf
from zhifa.cockpit import queries
from zhifa.cockpit.tables import XLSX_TYPE, Cell, Table, cell, num, number, xlsx, yoy_cell
from zhifa.core import roles
from zhifa.core.errors import ActionError
from zhifa.core.models import Region
from zhifa.core.web import is_htmx, login_required, raise_http
from zhifa.indicators import engine
from zhifa.indicators.catalogue import BY_SLUG, CATALOGUE, Indicator
from zhifa.indicators.engine import Period, Value
from zhifa.powers.models import Power, PowerStatus
from zhifa.registry.models import Officer

RECORDS_PAGE_SIZE = 20


# --- shared helpers ------------------------------------------------------------------------


def _scope(request: HttpRequest) -> list[str]:
    try:
        return queries.scope(request.user)
    except ActionError as error:
        raise_http(error)
        raise


def _period(request: HttpRequest) -> Period:
    text = request.GET.get("period") or queries.default_period()
    try:
        return engine.parse_period(text)
    except ActionError as error:
        messages.error(request, error.message)
        return engine.parse_period(queries.default_period())


def _scope_name(user: Any) -> str:
    if user.role in roles.AGENCY_ROLES and user.agency_id:
        return user.agency.name
    region = getattr(user, "scope_region", None)
    return region.full_name if region is not None else ""


def _respond(
    request: HttpRequest, template: str, context: dict[str, Any], tables: list[Table], filename: str
) -> HttpResponse:
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(xlsx(tables, context["page_title"]), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    return render(request, template, {**context, "tables": {t.key: t for t in tables}})


def _base_context(request: HttpRequest, period: Period, title: str) -> dict[str, Any]:
    query = request.GET.copy()
    query["format"] = "xlsx"
    return {
        "page_title": title,
        "period": period,
        "period_title": queries.period_title(period),
        "period_groups": queries.period_choices(period.label),
        "scope_name": _scope_name(request.user),
        "xlsx_query": query.urlencode(),
    }


def _agency_url(code: str, period: Period) -> str:
    return reverse("cockpit:agency", args=[code]) + f"?period={period.label}"


def _power_url(code: str, period: Period) -> str:
    return reverse("cockpit:power", args=[code]) + f"?period={period.label}"


def _indicator_label(indicator: Indicator) -> str:
    return f"{indicator.name}（{indicator.unit}）" if indicator.unit else indicator.name


# --- overview ------------------------------------------------------------------------------


def _chosen_indicator(request: HttpRequest) -> Indicator:
    slug = request.GET.get("indicator") or queries.DEFAULT_INDICATOR
    indicator = BY_SLUG.get(slug)
    if indicator is None or "agency" not in indicator.dimensions:
        return BY_SLUG[queries.DEFAULT_INDICATOR]
    return indicator


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    agencies = _scope(request)
    period = _period(request)
    chosen = _chosen_indicator(request)
    by_agency = queries.values_by_agency(period, agencies)
    totals = queries.totals(period, agencies, queries.KPI_SLUGS)
    trend_slugs = list(dict.fromkeys([*queries.TREND_SLUGS, chosen.slug]))
    trend_slugs = [s for s in trend_slugs if "month" in BY_SLUG[s].dimensions]
    trend = queries.breakdown(period, agencies, "month", trend_slugs)
    grid = queries.breakdown(period, agencies, "region", queries.GRID_SLUGS)
    info = queries.agencies_by_code(request.user, agencies)
    names = {code: (a.short_name or a.name) for code, a in info.items()}
    codes = sorted(agencies, key=lambda c: (info[c].region_id if c in info else "", names.get(c, c)))

    kpis = []
    for slug in queries.KPI_SLUGS:
        indicator, value = BY_SLUG[slug], totals.get(slug)
        kpis.append(
            {
                "indicator": indicator,
                "value": None if value is None else value.value,
                "text": number(None if value is None else value.value),
                "previous": number(None if value is None else value.previous),
                "yoy": yoy_cell(value, indicator.higher_is_better),
            }
        )
    kpi_table = Table(
        "kpis",
        _("关键指标"),
        [_("指标"), _("单位"), _("本期"), _("上年同期"), _("同比")],
        [
            [
                cell(k["indicator"].name),
                cell(k["indicator"].unit),
                num(k["value"]),
                num(
                    None if totals.get(k["indicator"].slug) is None else totals[k["indicator"].slug].previous
                ),
                k["yoy"],
            ]
            for k in kpis
        ],
    )

    chosen_values = by_agency.get(chosen.slug, {})
    ranked = queries.ranking(chosen, chosen_values, codes)
    rankings = Table(
        "rankings",
        _("排名：") + chosen.name,
        [_("名次"), _("执法主体"), _indicator_label(chosen), _("上年同期"), _("同比")],
        [
            [
                cell(r.rank),
                cell(code_name := names.get(r.code, r.code), code_name, url=_agency_url(r.code, period)),
                num(r.value, css="value", title=r.code),
                num(chosen_values[r.code].previous),
                yoy_cell(chosen_values[r.code], chosen.higher_is_better),
            ]
            for r in ranked
        ],
        note=_("无数值的执法主体未列入排名。") if len(ranked) < len(codes) else "",
    )

    grid_keys = sorted({k for values in grid.values() for k in values})
    regions = {r.code: r for r in Region.objects.filter(code__in=grid_keys)}
    grid_table = Table(
        "regions",
        _("区域网格"),
        [_("行政区划"), *[_indicator_label(BY_SLUG[s]) for s in queries.GRID_SLUGS]],
    )
    column_max = {
        s: max((v.value or 0.0 for v in grid.get(s, {}).values()), default=0.0) for s in queries.GRID_SLUGS
    }
    for key in grid_keys:
        row = [cell(regions[key].name if key in regions else key, title=key)]
        for slug in queries.GRID_SLUGS:
            value = grid.get(slug, {}).get(key)
            amount = None if value is None else value.value
            heat = round(4 * (amount or 0.0) / column_max[slug]) if column_max[slug] else 0
            row.append(num(amount, css=f"heat{heat}"))
        grid_table.rows.append(row)

    months = queries.month_keys(period)
    trend_table = Table(
        "trend",
        _("月度趋势"),
        [_("月份"), *[_indicator_label(BY_SLUG[s]) for s in trend_slugs]],
        [
            [
                cell(f"{period.start.year}-{m}"),
                *[num(_val(trend.get(s, {}).get(m))) for s in trend_slugs],
            ]
            for m in months
        ],
    )

    size_values = by_agency.get(queries.SIZE_SLUG, {})
    officers = by_agency.get("officers", {})
    agency_table = Table(
        "agencies",
        _("执法主体"),
        [
            _("执法主体"),
            _("统一社会信用代码"),
            _indicator_label(BY_SLUG["officers"]),
            _indicator_label(BY_SLUG[queries.SIZE_SLUG]),
            _indicator_label(chosen),
        ],
        [
            [
                cell(names.get(c, c), url=_agency_url(c, period)),
                cell(c),
                num(_val(officers.get(c))),
                num(_val(size_values.get(c))),
                num(_val(chosen_values.get(c))),
            ]
            for c in codes
        ],
    )
    planets = {
        "indicator": chosen.name,
        "unit": chosen.unit,
        "higher_is_better": chosen.higher_is_better,
        "size_name": BY_SLUG[queries.SIZE_SLUG].name,
        "points": [
            {
                "name": names.get(c, c),
                "code": c,
                "x": _val(officers.get(c)) or 0,
                "y": _val(size_values.get(c)) or 0,
                "size": _val(size_values.get(c)) or 0,
                "color": _val(chosen_values.get(c)),
                "url": _agency_url(c, period),
            }
            for c in codes
        ],
        "x_name": BY_SLUG["officers"].name,
        "y_name": BY_SLUG[queries.SIZE_SLUG].name,
    }
    trend_chart = {
        "categories": [f"{int(m)}月" for m in months],
        "series": [
            {"name": BY_SLUG[s].name, "data": [_val(trend.get(s, {}).get(m)) for m in months]}
            for s in trend_slugs
            if s in queries.TREND_SLUGS
        ],
    }
    context = {
        **_base_context(request, period, _("执法监督驾驶舱")),
        "kpis": kpis,
        "chosen": chosen,
        "indicators": [i for i in CATALOGUE if "agency" in i.dimensions],
        "planets": planets,
        "trend_chart": trend_chart,
        "agency_count": len(codes),
    }
    tables = [kpi_table, rankings, grid_table, trend_table, agency_table]
    return _respond(request, "cockpit/overview.html", context, tables, f"cockpit-{period.label}")


def _val(value: Value | None) -> float | None:
    return None if value is None else value.value


# --- agency page ---------------------------------------------------------------------------


@login_required
def agency_page(request: HttpRequest, code: str) -> HttpResponse:
    agencies = _scope(request)
    if code not in agencies:
        raise Http404
    period = _period(request)
    info = queries.agencies_by_code(request.user, agencies)
    agency = info.get(code)
    if agency is None:
        raise Http404
    by_agency = queries.values_by_agency(period, agencies)
    group = [a.code for a in queries.peers(agency, info.values())]
    has_peers = len(group) > 1  # the agency itself is always in its group

    indicator_table = Table(
        "indicators",
        _("全部指标"),
        [
            _("分组"),
            _("指标"),
            _("单位"),
            _("本期"),
            _("上年同期"),
            _("同比"),
            _("同类中位数"),
            _("同类排名"),
        ],
    )
    for indicator in CATALOGUE:
        if "agency" not in indicator.dimensions:
            continue
        values = by_agency.get(indicator.slug, {})
        value = values.get(code)
        stat = queries.peer_stat(indicator, values, code, group)
        indicator_table.rows.append(
            [
                cell(indicator.group),
                cell(indicator.name, title=indicator.definition, css=f"ind-{indicator.slug}"),
                cell(indicator.unit),
                Cell(_val(value), number(_val(value)), css="value", title=indicator.slug),
                num(None if value is None else value.previous),
                yoy_cell(value, indicator.higher_is_better),
                num(stat.median if has_peers else None),
                cell(
                    stat.rank if has_peers else None,
                    f"{stat.rank} / {stat.size}" if has_peers and stat.rank else "—",
                ),
            ]
        )

    uses = queries.breakdown(period, agencies, "power", ["acts"], agency=code).get("acts", {})
    held = list(
        Power.objects.restrict(request.user, roles.VIEW)
        .filter(holder__code=code, status=PowerStatus.ACTIVE)
        .order_by("code")
    )
    held_codes = {p.code for p in held}
    power_rows = [(p.code, p.name, p.get_kind_display(), int(_val(uses.get(p.code)) or 0)) for p in held]
    power_rows += [
        (key, _("（不在本单位权责清单中）"), "", int(value.value or 0))
        for key, value in uses.items()
        if key not in held_codes and (value.value or 0) > 0
    ]
    power_rows.sort(key=lambda r: (r[3] > 0, -r[3], r[0]))
    power_table = Table(
        "powers",
        _("职权使用情况"),
        [_("职权编码"), _("职权名称"), _("类别"), _("期内执法行为数")],
        [
            [
                cell(pc, url=_power_url(pc, period) if pc in held_codes else ""),
                cell(name, url=_power_url(pc, period) if pc in held_codes else ""),
                cell(kind),
                cell(count, css="unused" if count == 0 else ""),
            ]
            for pc, name, kind, count in power_rows
        ],
        note=_("期内从未使用的职权列在最前并标红。"),
    )
    unused = sum(1 for r in power_rows if r[3] == 0)

    workload = queries.officer_workload(period, code)
    officers = list(
        Officer.objects.restrict(request.user, roles.VIEW).filter(agency__code=code).order_by("name")
    )
    known = {o.id_number for o in officers}
    officer_rows = [
        (o.name, o.get_role_display(), o.get_status_display(), workload.get(o.id_number)) for o in officers
    ]
    officer_rows += [(_("（未登记人员）"), "", "", w) for k, w in workload.items() if k not in known]
    officer_rows.sort(key=lambda r: (-(r[3].total if r[3] else 0), r[0]))
    officer_table = Table(
        "officers",
        _("执法人员工作量"),
        [_("姓名"), _("岗位"), _("状态"), _("检查次数"), _("立案数"), _("合计")],
        [
            [
                cell(name),
                cell(post),
                cell(status),
                cell(w.inspections if w else 0),
                cell(w.cases if w else 0),
                cell(w.total if w else 0),
            ]
            for name, post, status, w in officer_rows
        ],
        note=_(
            "按检查记录和案件记录所列执法证号统计（同一记录的每名执法人员各计一次）；处罚决定、许可、强制记录未载明执法人员。"
        ),
    )
    peer_names = [info[c].short_name or info[c].name for c in group if c != code]
    trend = queries.breakdown(period, agencies, "month", queries.TREND_SLUGS, agency=code)
    months = queries.month_keys(period)
    context = {
        **_base_context(request, period, agency.name),
        "agency": agency,
        "peer_names": peer_names,
        "unused": unused,
        "held": len(held),
        "trend_chart": {
            "categories": [f"{int(m)}月" for m in months],
            "series": [
                {"name": BY_SLUG[s].name, "data": [_val(trend.get(s, {}).get(m)) for m in months]}
                for s in queries.TREND_SLUGS
            ],
        },
    }
    tables = [indicator_table, power_table, officer_table]
    return _respond(request, "cockpit/agency.html", context, tables, f"cockpit-{code}-{period.label}")


# --- power page ----------------------------------------------------------------------------


def _records_context(
    request: HttpRequest, period: Period, power: Power, agencies: list[str]
) -> dict[str, Any]:
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    found = engine.drill(
        period,
        queries.RECORDS_SLUG,
        power=power.code,
        agencies=agencies,
        page=page,
        page_size=RECORDS_PAGE_SIZE,
    )
    pages = max(1, -(-found.total // RECORDS_PAGE_SIZE))
    rows = [
        {
            **row,
            "url": reverse("cockpit:record", args=[row["family"], row["source_system"], row["source_id"]])
            + f"?period={period.label}",
            "family_label": FAMILY_LABELS.get(row["family"], row["family"]),
            "amount_text": number(row["amount"]) if row["amount"] is not None else "",
        }
        for row in found.rows
    ]
    base = reverse("cockpit:power", args=[power.code]) + f"?period={period.label}&part=records"
    return {
        "records": rows,
        "records_total": found.total,
        "records_page": found.page,
        "records_pages": pages,
        "records_prev": f"{base}&page={found.page - 1}" if found.page > 1 else "",
        "records_next": f"{base}&page={found.page + 1}" if found.page < pages else "",
    }


FAMILY_LABELS = {
    "inspection": "行政检查",
    "decision": "处罚决定",
    "licence": "行政许可",
    "coercion": "行政强制",
    "case": "处罚案件",
    "complaint": "投诉举报",
    "review": "复议诉讼",
}


@login_required
def power_page(request: HttpRequest, code: str) -> HttpResponse:
    agencies = _scope(request)
    period = _period(request)
    power = (
        Power.objects.restrict(request.user, roles.VIEW)
        .select_related("holder", "domain")
        .prefetch_related("bases")
        .filter(code=code)
        .first()
    )
    if power is None:
        raise Http404
    records = _records_context(request, period, power, agencies)
    if is_htmx(request) and request.GET.get("part") == "records":
        return render(request, "cockpit/_records.html", {**records, "period": period})

    monthly = queries.power_use(period, power.code, agencies)
    totals = queries.breakdown(period, agencies, "power", queries.POWER_SLUGS)
    months = queries.month_keys(period)
    use_table = Table(
        "use",
        _("按月使用情况"),
        [_("月份"), *[_indicator_label(BY_SLUG[s]) for s in queries.POWER_SLUGS]],
        [
            [
                cell(f"{period.start.year}-{m}"),
                *[num(monthly.get(m, {}).get(s, 0.0)) for s in queries.POWER_SLUGS],
            ]
            for m in months
        ],
    )
    use_table.rows.append(
        [
            cell(_("合计")),
            *[
                num(_val(totals.get(s, {}).get(power.code)) or 0.0, css="value", title=s)
                for s in queries.POWER_SLUGS
            ],
        ]
    )
    benchmark = power.benchmarks.prefetch_related("tiers").first()
    tiers = list(benchmark.tiers.all()) if benchmark else []
    amounts = queries.power_fines(period, power.code, agencies)
    bands, outside = queries.fines_against_tiers(amounts, tiers)
    fines_table = Table(
        "fines",
        _("罚款金额与裁量基准"),
        [_("裁量阶次"), _("下限（元）"), _("上限（元）"), _("期内罚款件数")],
        [[cell(b.label), num(b.minimum), num(b.maximum), cell(b.count)] for b in bands],
    )
    if bands:
        fines_table.rows.append(
            [cell(_("不在任何阶次幅度内")), cell(None), cell(None), cell(outside, css="bad")]
        )
    context = {
        **_base_context(request, period, power.name),
        **records,
        "power": power,
        "benchmark": benchmark,
        "tiers": tiers,
        "fine_count": len(amounts),
        "multiple_tiers": [t for t in tiers if t.range_kind == "multiple"],
        "use_chart": {
            "categories": [f"{int(m)}月" for m in months],
            "series": [
                {
                    "name": BY_SLUG[s].name,
                    "data": [monthly.get(m, {}).get(s, 0.0) for m in months],
                }
                for s in ("acts", "penalties", "inspections", "licences")
            ],
        },
        "fines_chart": {
            "categories": [b.label for b in bands] + ([_("幅度外")] if bands else []),
            "series": [
                {"name": _("罚款件数"), "data": [b.count for b in bands] + ([outside] if bands else [])}
            ],
        },
    }
    tables = [use_table, fines_table, _records_table(records)]
    return _respond(request, "cockpit/power.html", context, tables, f"cockpit-power-{code}-{period.label}")


def _records_table(records: dict[str, Any]) -> Table:
    return Table(
        "records",
        _("执法记录（第 %(page)s 页）") % {"page": records["records_page"]},
        [_("类别"), _("编号"), _("日期"), _("执法主体"), _("相对人"), _("金额（元）"), _("状态")],
        [
            [
                cell(r["family_label"]),
                cell(r["number"] or r["source_id"], url=r["url"]),
                cell(r["on"]),
                cell(r["agency_code"]),
                cell(r["entity_name"]),
                num(r["amount"]),
                cell(r["status"]),
            ]
            for r in records["records"]
        ],
    )


# --- record detail -------------------------------------------------------------------------


@login_required
def record_page(request: HttpRequest, family: str, source_system: str, source_id: str) -> HttpResponse:
    agencies = _scope(request)
    fields = queries.stored_record(family, source_system, source_id, agencies, request.user)
    if fields is None:
        raise Http404
    period = _period(request)
    number_text = queries.record_number(family, fields) or source_id
    shown = [(name, _display(value)) for name, value in fields]
    table = Table("record", _("记录字段"), [_("字段"), _("值")], [[cell(n), cell(v)] for n, v in shown])
    context = {
        **_base_context(request, period, f"{FAMILY_LABELS.get(family, family)} {number_text}"),
        "family_label": FAMILY_LABELS.get(family, family),
        "number": number_text,
        "fields": shown,
        "agency_code": dict(fields).get(queries.AGENCY_COLUMN[family]),
        "power_code": dict(fields).get("power_code"),
    }
    return _respond(request, "cockpit/record.html", context, [table], f"record-{family}-{source_id}")


def _display(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return "；".join(_display(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{_display(v)}" for k, v in value.items())
    if isinstance(value, float):
        return number(value)
    return str(value)


# --- alignment -----------------------------------------------------------------------------


@login_required
def alignment(request: HttpRequest) -> HttpResponse:
    agencies = _scope(request)
    period = _period(request)
    found = queries.alignment_rows(period, agencies)
    engine_values = queries.values_by_agency(period, agencies).get("alignment", {})
    info = queries.agencies_by_code(request.user, agencies)
    names = {code: (a.short_name or a.name) for code, a in info.items()}
    codes = sorted(agencies, key=lambda c: names.get(c, c))

    agency_table = Table(
        "agencies",
        _("各执法主体吻合度"),
        [
            _("执法主体"),
            _("投诉举报件数"),
            _("执法行为数（检查＋处罚决定）"),
            _("吻合度（%）"),
            _("差距行业数"),
        ],
    )
    gap_table = Table(
        "gaps",
        _("差距清单"),
        [
            _("执法主体"),
            _("行业门类"),
            _("投诉件数"),
            _("投诉占比（%）"),
            _("执法占比（%）"),
            _("差距（百分点）"),
        ],
        note=_("投诉占比高出执法占比 %(share)s 个百分点以上、且投诉不少于 %(min)s 件的行业。")
        % {"share": int(queries.GAP_SHARE), "min": queries.GAP_MIN},
    )
    for code in codes:
        item = found.get(code, queries.AgencyAlignment(code))
        value = engine_values.get(code)
        agency_table.rows.append(
            [
                cell(names.get(code, code), url=_agency_url(code, period)),
                cell(sum(r.complaints for r in item.rows)),
                cell(sum(r.acts for r in item.rows)),
                num(_val(value), css="value", title=code),
                cell(len(item.gaps)),
            ]
        )
        for row in item.gaps:
            gap_table.rows.append(
                [
                    cell(names.get(code, code), url=_agency_url(code, period)),
                    cell(f"{row.industry} {row.name}"),
                    cell(row.complaints),
                    num(_round(row.complaint_share)),
                    num(_round(row.act_share)),
                    num(_round(row.gap), css="bad"),
                ]
            )
    gap_table.rows.sort(key=lambda r: -(r[5].value or 0))
    whole = found["*"]
    industry_table = Table(
        "industries",
        _("全辖区按行业"),
        [_("行业门类"), _("投诉件数"), _("投诉占比（%）"), _("执法行为数"), _("执法占比（%）")],
        [
            [
                cell(f"{r.industry} {r.name}"),
                cell(r.complaints),
                num(_round(r.complaint_share)),
                cell(r.acts),
                num(_round(r.act_share)),
            ]
            for r in whole.rows
        ],
    )
    context = {
        **_base_context(request, period, _("投诉与执法吻合度")),
        "industry_chart": {
            "categories": [r.name for r in whole.rows],
            "series": [
                {"name": _("投诉占比"), "data": [_round(r.complaint_share) for r in whole.rows]},
                {"name": _("执法占比"), "data": [_round(r.act_share) for r in whole.rows]},
            ],
        },
        "definition": BY_SLUG["alignment"].definition,
    }
    tables = [agency_table, gap_table, industry_table]
    return _respond(request, "cockpit/alignment.html", context, tables, f"cockpit-alignment-{period.label}")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --- bulletin ------------------------------------------------------------------------------


@login_required
def bulletin(request: HttpRequest) -> HttpResponse:
    agencies = _scope(request)
    period = _period(request)
    content = bulletin_pdf.build(request.user, period, agencies, _scope_name(request.user))
    pdf = bulletin_pdf.render(content)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bulletin-{period.label}.pdf"'
    return response
