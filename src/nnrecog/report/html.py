"""``report.html``: the report of :func:`nnrecog.report.runner.run_report` as one page that opens
offline (inline style, no script, figures beside it in ``steps/``).

Every measured number sits in an element with ``data-number="STEP.KEY"``, its text the
``shown`` of that number in report.json, so the page and the JSON can be checked against each
other.
"""

from __future__ import annotations

from html import escape
from itertools import groupby
from typing import Any

#: The write-up's parts, by question.
PART_TITLES = {
    "Q1": "Theory",
    "Q2": "Implementing a fully connected network",
    "Q3": "Training models",
    "Q4": "Extracting text from images",
    "Q5": "Image compression with autoencoders",
    "Q6": "PyTorch",
}

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 0 1.2em 3em; color: #222; }
header { border-bottom: 2px solid #345; margin-bottom: 1em; }
h1 { font-size: 1.6em; margin: .8em 0 .2em; } h2 { border-bottom: 1px solid #ccd; margin-top: 1.6em; }
h3 { margin: 1.2em 0 .3em; } nav a { margin-right: .9em; } .summary { color: #445; }
.status { display: inline-block; padding: .05em .6em; border-radius: .8em; font-size: .85em; }
.ran { background: #dfd; } .reused { background: #def; } .not-run { background: #fdd; }
table { border-collapse: collapse; margin: .5em 0 1em; } caption { text-align: left; color: #445; padding: .2em 0; }
td, th { border: 1px solid #ccd; padding: .2em .6em; text-align: left; vertical-align: top; }
th { background: #f2f4f8; } td.num { font-variant-numeric: tabular-nums; }
pre { background: #f6f6f6; padding: .6em; white-space: pre-wrap; margin: .2em 0 1em; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; max-width: 48%; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .85em; color: #445; }
"""


def _status(section: dict[str, Any]) -> str:
    status = section["status"]
    text = section["note"] or f"ran in {section['seconds']:.1f} s"
    return f'<p><span class="status {status.replace(" ", "-")}">{escape(status)}</span> {escape(text)}</p>'


def _numbers(section: dict[str, Any]) -> str:
    if not section["numbers"]:
        return ""
    rows = "".join(
        f"<tr><td>{escape(n['label'])}</td>"
        f'<td class="num" data-number="{escape(section["id"])}.{escape(n["key"])}">{escape(n["shown"])}</td>'
        f"<td class=\"num\">{escape(n['writeup'] or '')}</td></tr>"
        for n in section["numbers"]
    )
    return f"<table><tr><th>measure</th><th>nnrecog</th><th>the write-up</th></tr>{rows}</table>"


def _tables(section: dict[str, Any]) -> str:
    parts = []
    for table in section["tables"]:
        header = "".join(f"<th>{escape(cell)}</th>" for cell in table["header"])
        rows = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in table["rows"])
        parts.append(f"<table><caption>{escape(table['caption'])}</caption><tr>{header}</tr>{rows}</table>")
    return "".join(parts)


def _texts(section: dict[str, Any]) -> str:
    return "".join(f"<p>{escape(t['caption'])}:</p><pre>{escape(t['text'])}</pre>" for t in section["texts"])


def _figure(figure: dict[str, str]) -> str:
    caption = escape(figure["caption"])
    return f'<figure><img src="{escape(figure["file"])}" alt="{caption}"><figcaption>{caption}</figcaption></figure>'


def _figures(section: dict[str, Any]) -> str:
    figures = "".join(_figure(figure) for figure in section["figures"])
    return f'<div class="figures">{figures}</div>' if figures else ""


def _step(section: dict[str, Any]) -> str:
    title = f"{section['question']}: {section['title']}"
    return (f'<article id="{escape(section["id"])}"><h3>{escape(title)}</h3>{_status(section)}'
            f"{_numbers(section)}{_tables(section)}{_texts(section)}{_figures(section)}</article>")


def _at_a_glance(sections: list[dict[str, Any]]) -> str:
    """Every number the write-up gives, beside ours, each linked to its step."""
    rows = "".join(
        f'<tr><td><a href="#{escape(s["id"])}">{escape(s["question"])}</a> {escape(s["title"])}</td>'
        f"<td>{escape(n['label'])}</td><td class=\"num\">{escape(n['shown'])}</td>"
        f"<td class=\"num\">{escape(n['writeup'])}</td></tr>"
        for s in sections for n in s["numbers"] if n["writeup"]
    )
    if not rows:
        return ""
    return ("<section><h2>At a glance</h2><table><tr><th>step</th><th>measure</th><th>nnrecog</th>"
            f"<th>the write-up</th></tr>{rows}</table></section>")


def render(report: dict[str, Any]) -> str:
    """The whole page of ``report`` (as :func:`~nnrecog.report.runner.run_report` returns it)."""
    sections = report["sections"]
    options, scale = report["options"], report["scale"]
    not_run = len(sections) - len(report["ran"]) - len(report["reused"])
    step_minutes = sum(s["seconds"] or 0.0 for s in sections) / 60
    summary = (
        f"{scale['name']} report, seed {options['seed']}, glyph data {options['source']}; "
        f"{len(sections)} steps: {len(report['ran'])} ran, {len(report['reused'])} reused from the cache, "
        f"{not_run} not run; the steps took {step_minutes:.1f} min when they ran; this run {report['seconds'] / 60:.1f} "
        f"min (load average {report['load']['start']:.1f} at the start, {report['load']['end']:.1f} at the end); "
        f"code {report['code_version']}; {report['generated']}"
    )
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(report['title'])}</title><style>{_STYLE}</style></head><body>",
        f"<header><h1>{escape(report['title'])}</h1><p class=\"summary\">{escape(summary)}</p><nav>",
        *(f'<a href="#{escape(s["id"])}">{escape(s["question"])}</a>' for s in sections),
        "</nav></header><main>",
        _at_a_glance(sections),
    ]
    for part, steps in groupby(sections, key=lambda s: s["question"].split(".")[0]):
        parts.append(f"<section><h2>{escape(part)}: {escape(PART_TITLES.get(part, ''))}</h2>")
        parts.extend(_step(section) for section in steps)
        parts.append("</section>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"
