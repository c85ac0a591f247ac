"""Tables of the bureau's figures as CSV or XLSX (openpyxl): one header row, then the rows.
Values are the figures as the pages hold them ("<5" stays "<5"; shares as ratios 0–1). Every
table on the bureau's pages has one here: DISTRICT_TABLES (overview and demonstration pages)
and COMMUNITY_TABLES (community page and printable report).

Text that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) is written with a leading apostrophe, so no exported cell ever runs as a formula."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
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


def coverage_trend_table(report: dict) -> tuple[list[str], list[list]]:
    header = ["时段", "户数", "基本业态(14)", "品质业态(12)", "基本业态平均覆盖率"]
    return header, [[t["period"], t["households"], t["basic_present"], t["quality_present"], t["mean_basic_share"]]
                    for t in report["coverage_trend"]]


def streets_table(overview: dict) -> tuple[list[str], list[list]]:
    header = ["街道", "社区", "户数", "基本业态(14)", "品质业态(12)", "订单", "销售额(元)", "准时率", "满意度", "问卷数"]
    return header, [[s["street"], s["communities"], s["households"], s["basic_present"], s["quality_present"],
                     s["orders"], s["sales"], s["on_time_share"], s["satisfaction"], s["satisfaction_count"]]
                    for s in overview["streets"]]


def demonstration_table(rows: list[dict]) -> tuple[list[str], list[list]]:
    header = ["社区", "街道", "示范", "批次", "等级", "指标", "现状", "样本数", "达标"]
    return header, [[r["name"], r["street"], r["demonstration_label"], r["pilot_year"], r["tier_label"], c["name"],
                     c["value"], c.get("count"), "数据不足" if c["met"] is None else c["met"]]
                    for r in rows for c in r["criteria"]]


def figures_table(report: dict) -> tuple[list[str], list[list]]:
    """Outlets, trade and delivery (the page's figure lists), beside the comparison period if any."""
    names = {
        "outlets": [("shops", "门店"), ("chain_share", "连锁化率"), ("licensed_share", "证照核验率"),
                    ("floor_m2_per_100_households", "每百户商业面积(平方米)"), ("trading_share", "线上经营门店占比")],
        "trade": [("orders", "订单"), ("sales", "销售额(元)"), ("average", "客单价(元)"), ("goods_sales", "商品销售额(元)"),
                  ("service_sales", "服务销售额(元)"), ("ordering_households_share", "下单户数占比")],
        "delivery": [("placed", "下单数"), ("on_time_share", "准时率"), ("p50_minutes", "送达时间中位数(分钟)"),
                     ("p90_minutes", "送达时间90分位(分钟)"), ("failed_share", "配送失败率"),
                     ("cancelled_share", "取消/拒单率"), ("pickup_share", "自提占比")],
    }
    sections = {"outlets": "商业网点", "trade": "线上交易", "delivery": "配送"}
    other = report.get("compare")
    header = ["类别", "指标", "本期"] + (["对比期"] if other else [])
    rows = [[sections[part], label, report[part][key]] + ([other[part][key]] if other else [])
            for part, keys in names.items() for key, label in keys]
    return header, rows


def satisfaction_table(report: dict) -> tuple[list[str], list[list]]:
    s = report["satisfaction"]
    aspects = {"convenience": "便利", "price": "价格", "quality": "质量", "service": "服务"}
    items = [("社区问卷(总体)", s["survey"]), *[(aspects[a], item) for a, item in s["aspects"].items()],
             ("订单评价", s["ratings"])]
    header = ["项目", "满意(4–5分)占比", "95%区间下限", "95%区间上限", "答卷数"]
    return header, [[name, item["share"], *(item["interval"] or [None, None]), item["count"]] for name, item in items]


def national_table(report: dict) -> tuple[list[str], list[list]]:
    n = report["national"]
    header = ["指标", "本社区", f"全国平均({n['national_as_of']})"]
    return header, [["每个生活圈居民数", n["residents_per_circle"], n["national_residents_per_circle"]],
                    ["每个生活圈商业网点", n["outlets_per_circle"], n["national_outlets_per_circle"]]]


COMMUNITY_TABLES = {"coverage": coverage_table, "gaps": gaps_table, "trend": trend_table, "trade": trade_table,
                    "coverage_trend": coverage_trend_table, "figures": figures_table,
                    "satisfaction": satisfaction_table, "national": national_table}
# district tables: (table function, reads the overview or the demonstration status)
DISTRICT_TABLES = {"ranking": (ranking_table, "overview"), "streets": (streets_table, "overview"),
                   "trend": (trend_table, "overview"), "coverage_trend": (coverage_trend_table, "overview"),
                   "demonstration": (demonstration_table, "demonstration")}
