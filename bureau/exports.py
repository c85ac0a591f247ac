"""Tables of the bureau's figures as CSV or XLSX (openpyxl): one header row, then the rows.
Values are the figures as shown ("<5" stays "<5")."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def render(*, header: list[str], rows: list[list], fmt: str) -> bytes:
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows([[_cell(v) for v in row] for row in rows])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens Chinese CSV correctly
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ranking_table(overview: dict) -> tuple[list[str], list[list]]:
    header = ["排名", "社区", "街道", "示范", "户数", "基本业态(14)", "品质业态(12)", "基本业态平均覆盖率", "等级",
              "缺口数", "订单", "销售额(元)", "准时率", "满意度", "问卷数", "连锁化率"]
    rows = [[r["rank"], r["name"], r["street"], r["demonstration_label"], r["households"], r["basic_present"],
             r["quality_present"], r["mean_basic_share"], r["tier_label"], r["gaps"], r["orders"], r["sales"],
             r["on_time_share"], r["satisfaction"], r["satisfaction_count"], r["chain_share"]]
            for r in overview["ranking"]]
    return header, rows


def coverage_table(report: dict) -> tuple[list[str], list[list]]:
    header = ["业态代码", "业态", "类别", "重点业态", "覆盖户数占比", "已具备", "本社区门店数"]
    rows = [[f["code"], f["name"], f["tier"], f["priority_pair"], f["share"], f["present"], f["shops"]]
            for f in report["coverage"]["formats"]]
    return header, rows


def gaps_table(report: dict) -> tuple[list[str], list[list]]:
    header = ["业态代码", "业态", "类别", "状态", "未覆盖户数", "覆盖率"]
    rows = [[g["code"], g["name"], g["tier"], g["state"], g["uncovered"], g["share"]] for g in report["coverage"]["gaps"]]
    return header, rows


def trend_table(report: dict) -> tuple[list[str], list[list]]:
    header = ["时段", "订单", "销售额(元)", "准时率"]
    return header, [[t["period"], t["orders"], t["sales"], t["on_time_share"]] for t in report["trend"]]


def trade_table(report: dict) -> tuple[list[str], list[list]]:
    header = ["业态代码", "业态", "订单", "销售额(元)"]
    return header, [[t["code"], t["name"], t["orders"], t["sales"]] for t in report["trade"]["by_format"]]


COMMUNITY_TABLES = {"coverage": coverage_table, "gaps": gaps_table, "trend": trend_table, "trade": trade_table}
