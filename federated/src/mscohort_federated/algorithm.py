"""The vantage6 functions of the algorithm image (vantage6 5.x: sessions and dataframes).

* ``extract_outcomes`` (data extraction, at each centre): reads the node's database (a
  DuckDB study store or a folder of files), validates it with mscohort, derives the
  per-patient outcomes of the study definition and keeps the analysis frame in the node's
  session. Nothing is returned to the researcher.
* ``partial_summary``, ``partial_counts``, ``partial_followup``, ``partial_poisson``,
  ``partial_negbin``, ``partial_contrasts``, ``partial_flow``, ``partial_timepoints``,
  ``partial_secondary``, ``partial_cpoisson``, ``partial_nbgroups`` (federated, at each
  centre): aggregates of that frame
  (:mod:`mscohort_federated.partials`, ``negbin``, ``contrasts``, ``flow``, ``timepoints``,
  ``secondary``, ``cpoisson``, ``nbgroups``) under the node's
  disclosure policy (:mod:`mscohort_federated.disclosure`).
* ``central_analysis`` (central): the rounds of :mod:`mscohort_federated.central`, each a
  subtask to the centres; returns the federated result.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
from vantage6.algorithm.decorator import (
    algorithm_client,
    central,
    data_extraction,
    dataframe,
    federated,
)
from vantage6.algorithm.tools.util import get_env_var

from mscohort_federated import partials
from mscohort_federated.central import run_rounds
from mscohort_federated.contrasts import contrast_sums
from mscohort_federated.cpoisson import cpoisson_terms
from mscohort_federated.disclosure import DEFAULT_MIN_CELL_SIZE, SUPPRESSED, node_policy
from mscohort_federated.extract import (
    FLAGS,
    analysis_frame,
    definition_from_text,
    load_centre_study,
)
from mscohort_federated.flow import flow_counts
from mscohort_federated.nbgroups import nbgroups_terms
from mscohort_federated.negbin import negbin_terms
from mscohort_federated.oct_eyes import oct_eye_sums
from mscohort_federated.protocol_counts import protocol_counts
from mscohort_federated.safety import RETREATMENT_COLUMN, safety_counts
from mscohort_federated.secondary import secondary_sums
from mscohort_federated.timepoints import parse_data_cut, timepoint_counts


@data_extraction
def extract_outcomes(connection_details: dict[str, str], definition: str,
                     data_cut: str | None = None) -> pa.Table:
    """The centre's analysis frame (stays in the node's session); ``data_cut``: the
    researcher's data cut for the time points (default: the centre's own latest record,
    :mod:`mscohort_federated.timepoints`)."""
    cut = parse_data_cut(data_cut)
    study = load_centre_study(connection_details["uri"])
    return analysis_frame(study, definition_from_text(definition), cut).to_arrow()


def _frame(df: pd.DataFrame) -> pl.DataFrame:
    """The analysis frame back from the session's pandas frame, with its types: a column
    that was all missing comes back untyped from pandas (e.g. NEDA's MRI component without
    MRI data)."""
    frame = pl.from_pandas(df)
    typed = []
    for c in frame.columns:
        s = frame[c]
        if c in FLAGS or c.startswith(("g|", "sub|", "flow|")):
            if s.dtype != pl.Boolean:
                s = pl.Series(c, [None if v is None else bool(v) for v in s.to_list()],
                              dtype=pl.Boolean)
        elif c.startswith(("tps|", "sn|", "cx|", "sfs|", "eyeg|")) or c in (
                "ms|cohort", "bg|group", RETREATMENT_COLUMN):
            s = pl.Series(c, [None if v is None or v != v else str(v)
                              for v in s.to_list()], dtype=pl.String)
        elif c.startswith("x|") or c == "excluded_reason":
            s = pl.Series(c, [(None if c == "excluded_reason" else "") if v is None
                              else str(v) for v in s.to_list()], dtype=pl.String)
        elif c != "change_category" and s.dtype != pl.Float64:
            s = pl.Series(c, [None if v is None else float(v) for v in s.to_list()],
                          dtype=pl.Float64)
        typed.append(s)
    return pl.DataFrame(typed)


def _centre() -> int:
    """This node's organization id (vantage6 sets it in the container's environment)."""
    return int(get_env_var("ORGANIZATION_ID", "0"))


def _timepoints(frame: pl.DataFrame) -> list[str]:
    return [c.removeprefix("edss_") for c in frame.columns
            if c.startswith("edss_") and c != "edss_change"]


@federated
@dataframe(1)
def partial_summary(df: pd.DataFrame, min_cell_size: int = DEFAULT_MIN_CELL_SIZE
                    ) -> dict[str, Any]:
    policy = node_policy(min_cell_size)
    frame = _frame(df)
    return {"organization_id": _centre(), "policy": policy} | partials.summary(
        frame, _timepoints(frame), policy["min_cell_size"], policy["ranges"])  # type: ignore[arg-type]


@federated
@dataframe(1)
def partial_counts(df: pd.DataFrame, queries: list[dict[str, Any]],
                   min_cell_size: int = DEFAULT_MIN_CELL_SIZE) -> dict[str, Any]:
    policy = node_policy(min_cell_size)
    if not policy["median_queries"]:
        return {"organization_id": _centre(), "answers": [dict(SUPPRESSED)] * len(queries)}
    return {"organization_id": _centre(), "answers": partials.counts_at(
        _frame(df), queries, policy["min_cell_size"])}  # type: ignore[arg-type]


@federated
@dataframe(1)
def partial_followup(df: pd.DataFrame, median: float,
                     min_cell_size: int = DEFAULT_MIN_CELL_SIZE) -> dict[str, Any]:
    policy = node_policy(min_cell_size)
    return {"organization_id": _centre()} | partials.followup_split(
        _frame(df), float(median), policy["min_cell_size"], policy["ranges"])  # type: ignore[arg-type]


@federated
@dataframe(1)
def partial_poisson(df: pd.DataFrame, betas: dict[str, list[float]],
                    min_cell_size: int = DEFAULT_MIN_CELL_SIZE) -> dict[str, Any]:
    policy = node_policy(min_cell_size)
    return {"organization_id": _centre()} | partials.poisson_terms(
        _frame(df), betas, policy["min_cell_size"])  # type: ignore[arg-type]


@federated
@dataframe(1)
def partial_negbin(df: pd.DataFrame, b: list[float], log_alpha: float | None,
                   min_cell_size: int = DEFAULT_MIN_CELL_SIZE) -> dict[str, Any]:
    policy = node_policy(min_cell_size)
    return {"organization_id": _centre()} | negbin_terms(
        _frame(df), [float(v) for v in b], None if log_alpha is None else float(log_alpha),
        policy["min_cell_size"])  # type: ignore[arg-type]


@federated
@dataframe(1)
def partial_contrasts(df: pd.DataFrame, median: float | None,
                      min_cell_size: int = DEFAULT_MIN_CELL_SIZE) -> dict[str, Any]:
    policy = node_policy(min_cell_size)
    return {"organization_id": _centre(), "contrasts": contrast_sums(
        _frame(df), None if median is None else float(median), policy["min_cell_size"])}  # type: ignore[arg-type]


@federated
@dataframe(1)
def partial_flow(df: pd.DataFrame, index_drug: str,
                 min_cell_size: int = DEFAULT_MIN_CELL_SIZE) -> dict[str, Any]:
    policy = node_policy(min_cell_size)
    return {"organization_id": _centre(), "flow": flow_counts(
        _frame(df), str(index_drug), policy["min_cell_size"])}  # type: ignore[arg-type]


@federated
@dataframe(1)
def partial_timepoints(df: pd.DataFrame, min_cell_size: int = DEFAULT_MIN_CELL_SIZE
                       ) -> dict[str, Any]:
    """The time point attrition table, the protocol tables' counts, the safety monitoring
    table and the retreatment rule."""
    policy = node_policy(min_cell_size)
    frame = _frame(df)
    k: int = policy["min_cell_size"]  # type: ignore[assignment]
    return {"organization_id": _centre(), "timepoints": timepoint_counts(frame, k),
            "protocol": protocol_counts(frame, k), "safety": safety_counts(frame, k)}


@federated
@dataframe(1)
def partial_secondary(df: pd.DataFrame, median: float | None,
                      min_cell_size: int = DEFAULT_MIN_CELL_SIZE) -> dict[str, Any]:
    policy = node_policy(min_cell_size)
    frame = _frame(df)
    k: int = policy["min_cell_size"]  # type: ignore[assignment]
    return {"organization_id": _centre(), "secondary": secondary_sums(
        frame, None if median is None else float(median), k),
        "oct_eyes": oct_eye_sums(frame, k)}


@federated
@dataframe(1)
def partial_cpoisson(df: pd.DataFrame, b: float | None,
                     min_cell_size: int = DEFAULT_MIN_CELL_SIZE) -> dict[str, Any]:
    policy = node_policy(min_cell_size)
    return {"organization_id": _centre()} | cpoisson_terms(
        _frame(df), None if b is None else float(b), policy["min_cell_size"])  # type: ignore[arg-type]


@federated
@dataframe(1)
def partial_nbgroups(df: pd.DataFrame, adjust: list[str], levels: list[str] | None,
                     b: list[float] | None, log_alpha: float | None,
                     min_cell_size: int = DEFAULT_MIN_CELL_SIZE) -> dict[str, Any]:
    policy = node_policy(min_cell_size)
    return {"organization_id": _centre()} | nbgroups_terms(
        _frame(df), [str(a) for a in adjust], levels,
        None if b is None else [float(v) for v in b],
        None if log_alpha is None else float(log_alpha), policy["min_cell_size"])  # type: ignore[arg-type]


@central
@algorithm_client
def central_analysis(client: Any, definition: str,
                     min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
                     organizations: list[int] | None = None,
                     data_cut: str | None = None) -> dict[str, Any]:
    """The federated study analysis over ``organizations`` (default: every organization of
    the collaboration); ``data_cut``: the one given to the extraction (recorded)."""
    definition_from_text(definition)  # a bad definition fails here, before any subtask
    cut = parse_data_cut(data_cut)
    orgs = organizations or [int(o["id"]) for o in client.organization.list()]
    names = {o: str(client.organization.get(o)["name"]) for o in orgs}

    def ask(method: str, arguments: dict[str, object], targets: list[int]
            ) -> dict[int, object]:
        task = client.task.create(method=method, arguments=arguments, organizations=targets,
                                  name=f"mscohort {method}",
                                  description="mscohort federated study analysis")
        results = client.wait_for_results(task_id=task["id"])
        out: dict[int, object] = {}
        for r in results:
            org = int(r.pop("organization_id"))
            out[org] = r["answers"] if method == "partial_counts" else r
        missing = set(targets) - set(out)
        if missing:
            raise RuntimeError(f"no result from organization(s) {sorted(missing)} for "
                               f"{method}")
        return out

    return run_rounds(ask, orgs, names, definition, int(min_cell_size)) | {
        "data_cut": None if cut is None else cut.isoformat()}
