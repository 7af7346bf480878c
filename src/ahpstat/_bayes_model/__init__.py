"""Private numpy side of :mod:`ahpstat.bayes`: judgments as index arrays, the judgment scale's
intervals, the censored-normal kernel and the posterior's numpy products.

Nothing here imports PyMC, PyTensor or ArviZ: the data preparation (through the package's one
judgment validation, :func:`ahpstat.io.validate_judgments` and :func:`ahpstat.io.judgment_stacks`),
the pointwise log-likelihood and the posterior predictive replication are plain numpy / numba,
so they are cheap and testable alone. One concern per module, top to bottom (the import-linter
contract in ``pyproject.toml``):

- ``_posterior``: products of the draws (experts' log-priorities, pointwise log-likelihood,
  posterior predictive judgments, the credal table);
- ``_data``: :class:`Panel` and :func:`prepare_panel` (validated judgments as flat index
  arrays), the scale's intervals, :class:`Layout` (elements onto the hierarchy's nodes);
  ``_density``: the whole model's log-density and gradient in one compiled function;
- ``_kernels``: the judgments' likelihood kernels (numba);
- ``_bases``: the zero-sum (Helmert) bases of the judged nodes.
"""

from ahpstat._bayes_model._bases import (
    block_basis,
    expand_row,
    helmert_basis,
    helmert_scales,
    offsets_around,
    reduce_row_add,
    zero_sum,
    zero_sum_expand,
    zero_sum_reduce,
)
from ahpstat._bayes_model._data import (
    Layout,
    Panel,
    interval_bounds,
    layout,
    prepare_panel,
    scale_log_values,
)
from ahpstat._bayes_model._density import (
    density_cached,
    density_cfuncs,
    density_in_cache,
    density_loaded,
    density_user_data,
    log_density_and_grad,
    marginal_density_and_grad,
)
from ahpstat._bayes_model._kernels import (
    LOG_SQRT_2PI,
    SENTINEL,
    log_normal_interval_scalar,
    loglik_draw,
    loglik_theta,
    loglik_value_and_grad,
    loglik_zero_sum,
    normal_upper_tail,
)
from ahpstat._bayes_model._posterior import (
    credal_table,
    expert_log_priorities,
    judgment_bounds,
    lapse_logs,
    obs_columns,
    pointwise_loglik,
    predictive_kernels_loaded,
    replicate_judgments,
)

__all__ = [
    "LOG_SQRT_2PI",
    "SENTINEL",
    "Layout",
    "Panel",
    "block_basis",
    "credal_table",
    "density_cached",
    "density_cfuncs",
    "density_in_cache",
    "density_loaded",
    "density_user_data",
    "expand_row",
    "expert_log_priorities",
    "helmert_basis",
    "helmert_scales",
    "interval_bounds",
    "judgment_bounds",
    "lapse_logs",
    "layout",
    "log_density_and_grad",
    "log_normal_interval_scalar",
    "loglik_draw",
    "loglik_theta",
    "loglik_value_and_grad",
    "loglik_zero_sum",
    "marginal_density_and_grad",
    "normal_upper_tail",
    "obs_columns",
    "offsets_around",
    "pointwise_loglik",
    "predictive_kernels_loaded",
    "prepare_panel",
    "reduce_row_add",
    "replicate_judgments",
    "scale_log_values",
    "zero_sum",
    "zero_sum_expand",
    "zero_sum_reduce",
]
