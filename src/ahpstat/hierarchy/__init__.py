"""The indicator hierarchy: a labelled tree of criteria whose leaves are survey items.

A hierarchy is read from YAML (or built from a mapping) and validated up front: every problem
is an :class:`~ahpstat.InputError` that names the file and the node. The tree is then immutable
and answers the questions the other layers ask: the children of a node (the row/column order of
its judgment matrices), the leaves under it, its depth, and the global weight of every node from
the local weights of its ancestors.

YAML layout::

    levels: [goal, criterion, indicator]     # optional names of the depths 0, 1, 2, ...
    hierarchy:
      id: A
      label: 基层智慧治理平台绩效            # any language; default: the id
      children:
        - id: B1
          label: 科学
          children:
            - {id: D1, label: 平台建设目标明确, item: Q01}   # a leaf names its survey column
            - {id: D2, label: 预期功能已经实现}             # ... default: its own id
        - id: B2
          ...

The tree may also be given without the ``hierarchy:`` key (the root node at the top level).

The package, one concern per module: :mod:`._tree` (:class:`Hierarchy`, the tree and its
weights; :func:`as_hierarchy`) over :mod:`._reader` (the file's keys, :data:`HIERARCHY_KEYS`,
and the validation of the file and of mappings, which returns plain validated parts and
knows nothing of the tree).
"""

from __future__ import annotations

from ahpstat.hierarchy._reader import HIERARCHY_KEYS, HierarchyKey, yaml_problems
from ahpstat.hierarchy._tree import Hierarchy, as_hierarchy

__all__ = ["HIERARCHY_KEYS", "Hierarchy", "HierarchyKey", "as_hierarchy", "yaml_problems"]
