"""User text on its way out: spreadsheet formulas, Markdown, matplotlib mathtext, excerpts.

Every label, id, title and group name in a study comes from the user's files. The Python API
returns them as given; the writers pass them through the functions here so that a file the
package writes cannot carry an attack or render as something else:

- :func:`neutralize_formula` / :func:`neutralize_frame`: a text cell that a spreadsheet would
  run as a formula (``=HYPERLINK(...)``, ``+cmd|...``, ``@SUM(...)``) gets a leading ``'``
  (OWASP, "CSV Injection"), in every CSV (and XLSX) table written;
- :func:`escape_markdown`: user text in ``report.md`` cannot open raw HTML, a link, an image
  or a heading;
- :func:`escape_mathtext`: user text drawn by matplotlib is never parsed as mathtext;
- :func:`clip_excerpt`: an error message quotes at most a short excerpt of a file's contents.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = [
    "FORMULA_PREFIXES",
    "clip_excerpt",
    "escape_markdown",
    "escape_mathtext",
    "neutralize_formula",
    "neutralize_frame",
]

#: first characters that make a spreadsheet read a text cell as a formula (OWASP)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# a plain decimal number ("-3", "+0.5", "-1e-3"): a spreadsheet reads it as that number,
# never as a formula, so it is left as it is
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralize_formula(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, made inert with a leading ``'``.

    Text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading apostrophe, as OWASP recommends against CSV injection; a spreadsheet then shows
    the text instead of evaluating it. Numbers, plain numbers written as text (``"-3"``),
    other text and missing values are returned unchanged.

    Parameters
    ----------
    value : object
        One cell.

    Returns
    -------
    object
        ``"'" + value`` for formula-like text, else ``value`` itself.

    Examples
    --------
    >>> neutralize_formula('=HYPERLINK("http://x","click")')
    '\\'=HYPERLINK("http://x","click")'
    >>> neutralize_formula("@SUM(A1:A9)"), neutralize_formula("-3"), neutralize_formula(-3)
    ("'@SUM(A1:A9)", '-3', -3)
    >>> neutralize_formula("A = B")
    'A = B'
    """
    if (isinstance(value, str) and value.startswith(FORMULA_PREFIXES)
            and not _PLAIN_NUMBER.fullmatch(value)):
        return "'" + value
    return value


def _may_hold_formula(s: pd.Series) -> bool:
    """Whether a text column has a cell starting like a formula (:data:`FORMULA_PREFIXES`):
    vectorised for pandas' Arrow-backed strings (5x faster than a scan), else one pass over
    the values.
    """
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        return bool(s.str.startswith(FORMULA_PREFIXES).any())
    return any(isinstance(v, str) and v.startswith(FORMULA_PREFIXES)
               for v in s.to_numpy(dtype=object))


def neutralize_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table with every formula-like text cell and column name neutralised.

    Applies :func:`neutralize_formula` to each cell of every text (object, string or
    categorical) column and to the column names; numeric columns are untouched. This is
    what every CSV/XLSX table the package writes goes through; the table given is not
    changed.

    Parameters
    ----------
    df : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"expert": ["E1", "=1+1"], "weight": [0.5, 0.5]})
    >>> neutralize_frame(t)
      expert  weight
    0     E1     0.5
    1  '=1+1     0.5
    >>> t.expert.tolist()  # the original keeps its raw values
    ['E1', '=1+1']
    """
    out = df.copy()
    for k in range(out.shape[1]):
        s = out.iloc[:, k]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            # most columns hold no formula-like text: look first, map only when one does --
            # the same values, a fraction of the time
            if _may_hold_formula(s):
                out.isetitem(k, s.map(neutralize_formula, na_action="ignore"))
    out.columns = [neutralize_formula(c) for c in out.columns]
    return out


# --------------------------------------------------------------------------- Markdown

# C0/C1 controls, DEL and the Unicode line/paragraph separators: a line break would let user
# text start a new Markdown block (a heading, a list, a table row)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# inline Markdown (and GitHub/MyST) syntax: escapes, code, emphasis, strikethrough, links,
# images, raw HTML and autolinks, table cells, headings, inline maths; ``&`` only where it
# would start an entity
_MD_INLINE = re.compile(r"([\\`*_\[<|~#$]|&(?=#?\w+;))")
# what opens raw HTML, an autolink, a link, an image or maths, and the escape character
_MD_ACTIVE = re.compile(r"([\\<\[$])")
# what starts a block at the beginning of a line: a block quote, an ATX heading, a list
# item, a thematic break or setext underline
_MD_BLOCK_START = re.compile(r"^(\s*)(?=>|#{1,6}(?:\s|$)|[-+*](?:\s|$)|\d{1,9}[.)](?:\s|$)"
                             r"|([-*_=])(?:\s*\2){2,}\s*$)")


def escape_markdown(text: Any, *, keep_emphasis: bool = False) -> str:
    """User text made literal in Markdown: no raw HTML, no link or image, no new block.

    Line breaks and other control characters become spaces (so the text cannot start a
    heading, list or table row), Markdown's inline syntax characters are backslash-escaped,
    and a list or quote marker at the start is escaped. The result renders as the text
    itself in CommonMark, GitHub and MyST.

    Parameters
    ----------
    text : object
        User text (converted with ``str``).
    keep_emphasis : bool, default False
        For a paragraph of the package's own Markdown with user text already in it: keep
        ``**bold**``, ``*emphasis*``, ``_emphasis_`` and ```code``` but still neutralise
        raw HTML, autolinks, links, images, maths, line breaks and block markers. User
        text can then at most change emphasis, never add markup of another kind.

    Returns
    -------
    str

    Examples
    --------
    >>> print(escape_markdown("<script>alert(1)</script>"))
    \\<script>alert(1)\\</script>
    >>> print(escape_markdown("Title\\n\\n# injected [x](javascript:alert(1))"))
    Title  \\# injected \\[x](javascript:alert(1))
    >>> print(escape_markdown("Goal **G** <img src=x onerror=alert(1)>", keep_emphasis=True))
    Goal **G** \\<img src=x onerror=alert(1)>
    """
    s = _CONTROL.sub(" ", str(text))
    s = (_MD_ACTIVE if keep_emphasis else _MD_INLINE).sub(r"\\\1", s)
    m = _MD_BLOCK_START.match(s)
    if m is not None:
        k = m.end(1)
        if s[k].isdigit():  # "1. item": escape the delimiter
            k += len(s[k:]) - len(s[k:].lstrip("0123456789"))
        s = s[:k] + "\\" + s[k:]
    return s


# --------------------------------------------------------------------------- matplotlib


def escape_mathtext(text: Any) -> str:
    """User text that matplotlib draws literally, never as mathtext.

    matplotlib parses text with an even number of unescaped ``$`` as maths (``cost $5 and
    $6`` loses its dollars; ``$\\badcmd{x}$`` fails the drawing). Escaping every ``$`` as
    ``\\$`` makes matplotlib draw the text as given, dollars included.

    Parameters
    ----------
    text : object
        A label, title or tick label from the user's files (converted with ``str``).

    Returns
    -------
    str

    Examples
    --------
    >>> print(escape_mathtext("cost $5 and $6"))
    cost \\$5 and \\$6
    >>> print(escape_mathtext("plain"))
    plain
    """
    return str(text).replace("$", r"\$")


# --------------------------------------------------------------------------- excerpts


def clip_excerpt(text: Any, n: int = 40) -> str:
    """At most ``n`` characters of file contents, for quoting in an error message.

    Control characters are shown as escapes (``\\n``, ``\\x00``), so an excerpt stays on one
    line; longer text is cut and ends in ``…``. Messages quote what they found so the user
    can find it, but never more than a short excerpt of a file (which might be a file that
    was never meant to be an input).

    Parameters
    ----------
    text : object
        What was found (converted with ``str``).
    n : int, default 40
        Maximum length of the excerpt, ``…`` included (at least 2).

    Returns
    -------
    str

    Examples
    --------
    >>> clip_excerpt("root:$6$saltsaltsalt$hashhashhashhashhashhash:19000:0:99999:7:::")
    'root:$6$saltsaltsalt$hashhashhashhashha…'
    >>> clip_excerpt("a\\nb")
    'a\\\\nb'
    """
    n = max(int(n), 2)
    s = str(text)
    if not s.isprintable():
        s = "".join(c if c.isprintable() else repr(c)[1:-1] for c in s)
    return s if len(s) <= n else s[: n - 1] + "…"
