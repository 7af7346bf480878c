"""Rendering blocks as Markdown or self-contained HTML (figures embedded as data URIs)."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import Any

from ahpstat._text import escape_markdown


def _md_cell(x: str) -> str:
    return escape_markdown(x)


def to_markdown(blocks: list[tuple[str, Any]]) -> str:
    """Headings and table cells are text (escaped); paragraphs are Markdown whose user text
    cannot open HTML, links, images or blocks (:func:`ahpstat._text.escape_markdown`).
    """
    out: list[str] = []
    for kind, c in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + escape_markdown(c))
        elif kind in ("p", "ref"):
            out.append(escape_markdown(c, keep_emphasis=True))
        elif kind == "table":
            cols = [str(x) for x in c.columns]
            lines = ["| " + " | ".join(_md_cell(x) for x in cols) + " |",
                     "| " + " | ".join("---" for _ in cols) + " |"]
            for row in c.itertuples(index=False):
                lines.append("| " + " | ".join(_md_cell(str(x)) for x in row) + " |")
            out.append("\n".join(lines))
        elif kind == "img":
            name, cap = c
            out.append(f"![{cap}]({name})\n\n*{cap}*")
    return "\n\n".join(out) + "\n"


_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")


# *emphasis*: the asterisks hug the text and are not inside a word ("2 * 3", "x*y*z" stay)
_EM = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")


_CODE = re.compile(r"`(.+?)`")


def _inline(text: str) -> str:
    """A paragraph's inline Markdown (``**bold**``, ``*emphasis*``, ```code```) as HTML.

    Examples
    --------
    >>> _inline("*Written* for **papers**: `a<b`, `*.csv`, 2 * 3")
    '<em>Written</em> for <strong>papers</strong>: <code>a&lt;b</code>, <code>*.csv</code>, 2 * 3'
    """
    parts = _CODE.split(html.escape(text))  # odd parts: inside backticks, left as they are
    for i in range(0, len(parts), 2):
        parts[i] = _EM.sub(r"<em>\1</em>", _STRONG.sub(r"<strong>\1</strong>", parts[i]))
    for i in range(1, len(parts), 2):
        parts[i] = f"<code>{parts[i]}</code>"
    return "".join(parts)


_CSS = """body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",
"Microsoft YaHei",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;
line-height:1.45}table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.85em}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}th{background:#f3f3f3}
td.num{text-align:right;font-variant-numeric:tabular-nums}figure{margin:1em 0}
img{max-width:100%}figcaption{font-size:.85em;color:#555}.wrap{overflow-x:auto}"""


def _data_uri(path: Path) -> str:
    mime = {".png": "image/png", ".svg": "image/svg+xml", ".pdf": "application/pdf"}.get(
        path.suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def to_html(blocks: list[tuple[str, Any]], title: str, *, images: Path | None = None) -> str:
    """The report as one HTML page; with ``images`` (the folder holding the figures) every
    image is embedded (base64), so the page is self-contained.
    """
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"]
    for kind, c in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{html.escape(c)}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{_inline(c)}</p>")
        elif kind == "ref":
            out.append(f'<p class="ref">{_inline(c)}</p>')
        elif kind == "table":
            rows = ['<div class="wrap"><table><thead><tr>'
                    + "".join(f"<th>{html.escape(str(x))}</th>" for x in c.columns)
                    + "</tr></thead><tbody>"]
            for row in c.itertuples(index=False):
                cells = []
                for x in row:
                    s = str(x)
                    num = s.replace(".", "", 1).replace("-", "", 1).isdigit()
                    cells.append(f'<td class="num">{html.escape(s)}</td>' if num
                                 else f"<td>{html.escape(s)}</td>")
                rows.append("<tr>" + "".join(cells) + "</tr>")
            rows.append("</tbody></table></div>")
            out.append("".join(rows))
        elif kind == "img":
            name, cap = c
            src = (_data_uri(images / name) if images is not None and (images / name).is_file()
                   else html.escape(name))
            out.append(f'<figure><img src="{src}" alt="{html.escape(cap)}">'
                       f"<figcaption>{html.escape(cap)}</figcaption></figure>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
