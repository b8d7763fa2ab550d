"""The report as one self-contained, accessible HTML page (charts as inline PNG, every
chart with a text alternative and its table beside it), and its tables as CSV files."""
import base64
import csv
import html
import io
from pathlib import Path
from typing import List, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend that needs no display)

from report.tables import Table  # noqa: E402

#: Dark colours: each has a contrast of at least 4.5:1 against the white background.
COLOURS = ("#1f4e79", "#a04000", "#2e6b30", "#6a1b9a", "#b71c1c", "#00695c", "#4e342e", "#37474f")
#: Bars per chart at most (the table lists every row): a day's hours fit.
MOST_BARS = 24
#: Values named in a chart's text alternative at most.
MOST_IN_ALT = 8
STYLE = """
body { font-family: system-ui, sans-serif; color: #1a1a1a; background: #ffffff; max-width: 60rem;
       margin: 0 auto; padding: 1rem; line-height: 1.5; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
caption { text-align: left; font-weight: bold; padding: 0.25rem 0; }
th, td { border: 1px solid #595959; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
thead th { background: #e8eef4; }
img { max-width: 100%; height: auto; }
"""


def chart(table: Table, kind: str = "bar") -> str:
    """An <img> of the table's numeric columns against its first column: `bar`,
    `barh` (long labels), `line` (days) or `stacked` (one bar per row, a part per column)."""
    rows = charted_rows(table, kind)
    labels = [str(row[0]) for row in rows]
    numeric = [i for i in range(1, len(table.columns)) if all(isinstance(row[i], int) for row in rows)]
    figure, axes = plt.subplots(figsize=(9, 4 if kind != "barh" else max(3, 0.35 * len(rows) + 1)))
    bottom = [0] * len(rows)
    for number, column in enumerate(numeric):
        values = [row[column] for row in rows]
        colour = COLOURS[number % len(COLOURS)]
        if kind == "line":
            axes.plot(labels, values, marker="o", color=colour, label=table.columns[column])
        elif kind == "barh":
            axes.barh(labels[::-1], values[::-1], color=colour, label=table.columns[column])
        else:
            axes.bar(labels, values, bottom=bottom if kind == "stacked" else None, color=colour,
                     label=table.columns[column])
            bottom = [b + v for b, v in zip(bottom, values, strict=True)] if kind == "stacked" else bottom
    if kind != "barh":
        axes.tick_params(axis="x", labelrotation=60)
    if len(numeric) > 1:
        axes.legend(fontsize="small")
    axes.set_title(table.caption)
    figure.tight_layout()
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=80)
    plt.close(figure)
    encoded = base64.b64encode(png.getvalue()).decode()
    return f'<img src="data:image/png;base64,{encoded}" alt="{html.escape(alt_text(table, numeric))}">'


def charted_rows(table: Table, kind: str) -> list:
    """The rows a chart draws: every day of a line; the latest MOST_BARS days of a stacked
    chart (its rows are days, oldest first); the first MOST_BARS of a bar chart (most first)."""
    if kind == "line":
        return list(table.rows)
    if kind == "stacked":
        return list(table.rows[-MOST_BARS:])
    return list(table.rows[:MOST_BARS])


def alt_text(table: Table, numeric: Sequence[int]) -> str:
    """What the chart shows, in words: its largest values (the table beside it has all)."""
    total = [(sum(row[i] for i in numeric), str(row[0])) for row in table.rows]
    largest = sorted(total, reverse=True)[:MOST_IN_ALT]
    shown = "; ".join(f"{label}: {value}" for value, label in largest)
    measured = " and ".join(table.columns[i] for i in numeric)
    return f"Chart of {table.caption.lower()} ({measured}). Largest: {shown or 'none'}. The table lists every value."


def table_html(table: Table) -> str:
    head = "".join(f'<th scope="col">{html.escape(column)}</th>' for column in table.columns)
    body = "".join(
        "<tr>" + f'<th scope="row">{html.escape(str(row[0]))}</th>'
        + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row[1:]) + "</tr>"
        for row in table.rows
    )
    return (
        f"<table><caption>{html.escape(table.caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def paragraph(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def section(heading: str, *parts: str) -> str:
    return f"<section><h2>{html.escape(heading)}</h2>{''.join(parts)}</section>"


def subsection(heading: str, *parts: str) -> str:
    return f"<h3>{html.escape(heading)}</h3>{''.join(parts)}"


def page(title: str, summary: str, sections: Sequence[str]) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{paragraph(summary)}{''.join(sections)}</main></body></html>\n"
    )


def write_csv_files(tables: List[Table], folder: Path) -> None:
    """One CSV file per table, named after it, with the table's column headings."""
    folder.mkdir(parents=True, exist_ok=True)
    for table in tables:
        with (folder / f"{table.name}.csv").open("w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(table.columns)
            writer.writerows(table.rows)
