"""Readers and validators for the files a study brings: judgments, expert weights, survey.

Every reader accepts CSV (UTF-8, with or without BOM) and Excel ``.xlsx``. Every problem is an
:class:`~ahpstat.InputError` naming the file, the sheet, the 1-based row as a spreadsheet shows
it (the header is row 1), the column, and the expert and node when known. Nothing is guessed:
layouts and encodings are declared, duplicates are never averaged, missing stays missing.

Readers raise the first problem; :func:`collect_problems` returns every problem of a file
(what ``ahpstat check`` reports), and the validators take ``errors="raise" | "collect"``.

Judgment layouts (``read_judgments(..., layout=...)``)
------------------------------------------------------
``"long"`` (canonical): columns ``expert, node, row, col, value``, one row per judgment;
``value`` says how much more important ``row`` is than ``col`` and may be written ``3``,
``1/3`` or ``0.333``. Missing pairs are simply absent (a blank ``value`` is also missing).
Other columns are ignored.

``"matrix"``: one block per expert and node, as desktop AHP tools export them::

    expert,E01,node,A          <- block header: the words `expert` and `node` and their ids
    ,B1,B2,B3                  <- element ids (first cell ignored)
    B1,1,3,5                   <- one row per element, same order; blank = missing
    B2,1/3,1,
    B3,0.2,,1
                               <- blank rows between blocks are optional
    expert,E01,node,B1
    ...

In an ``.xlsx`` workbook the blocks may also be spread over one sheet per expert: a block
header ``node,<id>`` (without ``expert``) takes the expert id from the sheet name. Without
``sheet`` every sheet of the workbook is read. The diagonal must be 1 or blank; when both
``a_ij`` and ``a_ji`` are given they must be reciprocal (``3`` and ``0.333`` are).

``"wide"`` (the survey layout of ahpsurvey users): one row per expert with an ``expert``
column and one column per pair, named ``<node>:<A>_<B>`` (or just ``A_B`` with ``node=``).
The cell encoding is declared with ``encoding=``:

- ``"signed"``: -9..9; ``+3`` means A is 3 times as important as B, ``-3`` means B is 3 times
  as important as A; 1 and -1 both mean equal; 0 is an error (ahpsurvey's ``ahp.mat`` default,
  ``negconvert = FALSE``);
- ``"signed_left_negative"``: the same with the sign flipped (``-3`` = A 3 times as
  important), as in ahpsurvey's ``city200`` data (``negconvert = TRUE``);
- ``"ratio"``: 1/9..9, the value of A over B.

Modules (private; every public name is importable from ``ahpstat.io``): ``_cells`` (one cell
as text or value), ``_grids`` (CSV files and worksheets as grids and tables; the problem sink),
``_layouts`` (the judgment layouts), ``_validate`` (the one validation of judgments),
``_stacks`` (judgments as per-node matrix stacks), ``_expert_weights``, ``_survey``,
``_hierarchy``, ``_matrix`` (one matrix from CSV), ``_problems`` (every problem of a file) and
``_hashing``.
"""

from ahpstat.io._ahpsurvey import read_ahpsurvey
from ahpstat.io._ahpy import from_ahpy

# package-internal (not in __all__): one cell as text; the CSV dialects a study file declares
from ahpstat.io._cells import cell_text as cell_text
from ahpstat.io._cells import parse_value
from ahpstat.io._convert import CONVERT_LAYOUTS, convert, write_ahp, write_judgments
from ahpstat.io._decision import (
    DIRECTIONS,
    PREFERENCE_KINDS,
    DecisionData,
    Preference,
    RatingScale,
    measured_preference,
    rating_preference,
)
from ahpstat.io._expert_weights import (
    expert_weight_vector,
    read_expert_weights,
    validate_expert_weights,
)
from ahpstat.io._grids import DECIMALS as DECIMALS
from ahpstat.io._grids import DELIMITERS as DELIMITERS
from ahpstat.io._hashing import sha256_file
from ahpstat.io._hierarchy import read_hierarchy
from ahpstat.io._layouts import (
    JUDGMENT_COLUMNS,
    JUDGMENT_LAYOUTS,
    SOURCE_COLUMNS,
    WIDE_ENCODINGS,
    read_judgments,
)
from ahpstat.io._matrix import read_matrix_csv
from ahpstat.io._problems import collect_problems
from ahpstat.io._rahp import read_ahp
from ahpstat.io._stacks import judgment_stacks
from ahpstat.io._survey import read_survey
from ahpstat.io._validate import validate_judgments

__all__ = [
    "CONVERT_LAYOUTS",
    "DIRECTIONS",
    "JUDGMENT_COLUMNS",
    "JUDGMENT_LAYOUTS",
    "PREFERENCE_KINDS",
    "SOURCE_COLUMNS",
    "WIDE_ENCODINGS",
    "DecisionData",
    "Preference",
    "RatingScale",
    "collect_problems",
    "convert",
    "expert_weight_vector",
    "from_ahpy",
    "judgment_stacks",
    "measured_preference",
    "parse_value",
    "rating_preference",
    "read_ahp",
    "read_ahpsurvey",
    "read_expert_weights",
    "read_hierarchy",
    "read_judgments",
    "read_matrix_csv",
    "read_survey",
    "sha256_file",
    "validate_expert_weights",
    "validate_judgments",
    "write_ahp",
    "write_judgments",
]
