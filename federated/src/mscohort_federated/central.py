"""The central function's rounds: what it asks the centres, in which order.

1. ``partial_summary``: every aggregate that needs nothing pooled.
2. Count queries (:mod:`mscohort_federated.bisection`): the exact pooled median follow-up
   of the analysed patients, which defines the follow-up cohorts.
3. ``partial_followup``: the follow-up cohorts' cells and event tables at that median.
4. Count queries again: each table group's median follow-up and its order-statistic
   interval, and the medians of the estimates table
   (:mod:`mscohort_federated.estimates`).
5. ``partial_poisson``: Newton iterations of the Poisson rate ratio of each relapse group
   (each centre returns its score, information and score outer products), then one task
   per centre at the centre's own estimate for the between-centre heterogeneity.
6. ``partial_contrasts``: the between-group contrasts' cross-products
   (:mod:`mscohort_federated.contrasts`).
7. ``partial_negbin`` and ``partial_cpoisson`` (when the definition's ``[models] fit`` has
   "counts"): the negative binomial and the conditional Poisson before/after rate ratios
   (:mod:`mscohort_federated.negbin`, ``cpoisson``); ``partial_nbgroups`` (when it has
   "between_groups"): the adjusted between-group rate ratios (``nbgroups``).
8. ``partial_flow``, ``partial_timepoints`` and ``partial_secondary``: the population
   flow's boxes, the time point attrition table, the protocol and safety tables and the
   secondary outcomes (:mod:`mscohort_federated.flow`, ``timepoints``,
   ``protocol_counts``, ``safety``, ``secondary``, ``oct_eyes``, ``milestone_curves``);
   count queries for the safety panels' median days overdue.

The rounds talk to the centres through ``ask(method, arguments, organizations)``, which
returns each organization's result by its id: in vantage6 a subtask per round
(:mod:`mscohort_federated.algorithm`), in tests the same through ``MockAlgorithmClient``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from mscohort.analyse.rates import paired_ratio_interval
from mscohort_federated.assemble import assemble
from mscohort_federated.bisection import median_ranks, order_statistics, pooled_n
from mscohort_federated.combine import SUPPRESSED_TEXT
from mscohort_federated.contrasts import contrast_rows
from mscohort_federated.cpoisson import cpoisson_rounds
from mscohort_federated.disclosure import is_suppressed
from mscohort_federated.estimates import estimate_rows, median_targets
from mscohort_federated.extract import FOLLOWUP_SPLIT, definition_from_text
from mscohort_federated.flow import flow_rows
from mscohort_federated.milestone_curves import milestone_curves, milestone_figure
from mscohort_federated.multiplicity import with_holm
from mscohort_federated.nbgroups import nbgroups_rounds
from mscohort_federated.negbin import fit_rounds
from mscohort_federated.oct_eyes import oct_eye_rows
from mscohort_federated.protocol_counts import protocol_rows
from mscohort_federated.safety import overdue_targets, retreatment_rows, safety_rows
from mscohort_federated.secondary import secondary_result
from mscohort_federated.timepoints import timepoint_cuts, timepoint_rows

Ask = Callable[[str, dict[str, object], list[int]], dict[int, object]]
NEWTON_TOLERANCE = 1e-12
NEWTON_MAX_ITERATIONS = 100


def run_rounds(ask: Ask, organizations: list[int], names: dict[int, str],
               definition_text: str, min_cell_size: int) -> dict[str, object]:
    """Every round of the module notes; the assembled result (JSON data)."""
    k = {"min_cell_size": min_cell_size}
    summaries = ask("partial_summary", k, organizations)
    log: dict[str, int] = {"count_rounds": 0, "newton_iterations": 0}

    def counts(queries: list[dict[str, object]]) -> list[list[object]]:
        log["count_rounds"] += 1
        got = ask("partial_counts", k | {"queries": queries}, organizations)
        return [got[o] for o in organizations]  # type: ignore[misc]

    fu_target = {"split": "all", "group": "all analysed", "column": "followup"}
    median = _medians(counts, [fu_target])[0]["median"]
    followup = (ask("partial_followup", k | {"median": median}, organizations)
                if median is not None else {o: {} for o in organizations})
    targets = [fu_target | {"split": key, "group": g}
               for key, groups in _group_names(summaries).items() for g in groups]
    if median is not None:
        targets += [{"split": FOLLOWUP_SPLIT, "group": g, "column": "followup",
                     "median": median} for g in ("long-term", "short-term")]
    group_medians = _medians(counts, targets + median_targets())
    overall = {str(t["column"]): m for t, m in zip(median_targets(),
                                                   group_medians[len(targets):], strict=True)}
    group_medians = group_medians[:len(targets)]
    relapse_groups = _relapse_groups(summaries, organizations)
    rates, iterations = _newton(ask, organizations, k, relapse_groups)
    log["newton_iterations"] = iterations
    own = _centre_rate_ratios(ask, organizations, k, summaries)
    models = count_model_rows(ask, organizations, k, definition_text, log)
    models["models_conditional_poisson"] = []
    if "counts" in definition_from_text(definition_text).models.fit:
        def cp_round(arguments: dict[str, object]) -> list[dict[str, object]]:
            got = ask("partial_cpoisson", k | arguments, organizations)
            return [got[o] for o in organizations]  # type: ignore[misc]

        row, log["cpoisson_rounds"] = cpoisson_rounds(cp_round)
        models["models_conditional_poisson"] = [row]
    settings = definition_from_text(definition_text).models
    if "between_groups" in settings.fit:
        def bg_round(arguments: dict[str, object]) -> list[dict[str, object]]:
            got = ask("partial_nbgroups", k | {"adjust": list(settings.group_adjust)}
                      | arguments, organizations)
            return [got[o] for o in organizations]  # type: ignore[misc]

        between = nbgroups_rounds(bg_round, settings.group, list(settings.group_adjust))
        log["nbgroups_rounds"] = int(between.pop("rounds"))  # type: ignore[call-overload]
        models |= between
    else:
        models |= {"models_between_groups": [], "models_between_groups_dispersion": [],
                   "models_between_groups_terms": []}
    sums = ask("partial_contrasts", k | {"median": median}, organizations)
    models["estimates"] = estimate_rows([summaries[o] for o in organizations], overall,  # type: ignore[misc]
                                        rates)
    flows = ask("partial_flow", k | {"index_drug": definition_from_text(
        definition_text).index_drug}, organizations)
    models["flow"] = flow_rows([flows[o]["flow"] for o in organizations])  # type: ignore[index]
    models["contrasts"] = contrast_rows([sums[o]["contrasts"] for o in organizations])  # type: ignore[index]
    points = ask("partial_timepoints", k, organizations)
    parts = [points[o]["timepoints"] for o in organizations]  # type: ignore[index]
    models["timepoints"] = timepoint_rows(parts)
    models["timepoint_cuts"] = timepoint_cuts(parts, [names[o] for o in organizations])
    models |= protocol_rows([points[o]["protocol"] for o in organizations])  # type: ignore[index]
    models |= _safety([points[o]["safety"] for o in organizations], counts)  # type: ignore[index]
    sec = ask("partial_secondary", k | {"median": median}, organizations)
    sec_parts = [sec[o]["secondary"] for o in organizations]  # type: ignore[index]
    models |= secondary_result(sec_parts, {}, definition_from_text(definition_text))
    models["oct_eyes"] = oct_eye_rows([sec[o]["oct_eyes"] for o in organizations],  # type: ignore[index]
                                      any(p["has"]["gcipl"] for p in sec_parts))  # type: ignore[index]
    milestones = [p["milestones"] for p in sec_parts]  # type: ignore[index]
    models["km_milestones"] = milestone_curves(milestones)
    models |= milestone_figure(milestones, models["km_milestones"],  # type: ignore[arg-type]
                               definition_from_text(definition_text).unit_days)
    result = assemble(definition_text, organizations, names, summaries, followup, median,
                      dict(zip([(t["split"], t["group"]) for t in targets], group_medians,
                               strict=True)), rates, own, min_cell_size, log) | models
    return with_holm(result, definition_from_text(definition_text))


def _safety(parts: list[dict[str, object]],
            counts: Callable[[list[dict[str, object]]], list[list[object]]]
            ) -> dict[str, object]:
    """The safety monitoring table (its medians of days overdue by count queries) and the
    retreatment rule (:mod:`mscohort_federated.safety`)."""
    overdue = overdue_targets(parts)
    found = _medians(counts, overdue)
    medians = {str(t["group"]): m for t, m in zip(overdue, found, strict=True)}
    return {"safety": safety_rows(parts, medians), "retreatment": retreatment_rows(parts)}


def _group_names(summaries: dict[int, object]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in summaries.values():
        for key, groups in s["groups"].items():  # type: ignore[index]
            if key == "all":
                continue
            for g in groups:
                if g not in out.setdefault(key, []):
                    out[key].append(g)
    return out


def _medians(counts: Callable[[list[dict[str, object]]], list[list[object]]],
             targets: list[dict[str, object]]) -> list[dict[str, object]]:
    """Median and its order-statistic interval of each target (None when suppressed or
    when a node refuses count queries)."""
    sizes = pooled_n(counts, targets) if targets else []
    requests, slots = [], []
    for i, (t, n) in enumerate(zip(targets, sizes, strict=True)):
        if not n:
            continue
        middle, ci = median_ranks(n)
        for role, rank in [*(("m", r) for r in middle), *(("ci", r) for r in ci)]:
            requests.append((t, rank))
            slots.append((i, role))
    found, _ = order_statistics(counts, requests) if requests else ([], 0)
    out: list[dict[str, object]] = [{"n": n, "median": None, "ci_low": None, "ci_high": None}
                                    for n in sizes]
    mids: dict[int, list[float]] = {}
    cis: dict[int, list[float]] = {}
    for (i, role), x in zip(slots, found, strict=True):
        (mids if role == "m" else cis).setdefault(i, []).append(x)
    for i, xs in mids.items():
        out[i]["median"] = xs[0] if len(xs) == 1 else (xs[0] + xs[1]) / 2
    for i, xs in cis.items():
        out[i]["ci_low"], out[i]["ci_high"] = xs
    return out


def _relapse_groups(summaries: dict[int, object], organizations: list[int]) -> list[str]:
    """Relapse groups that no centre suppressed, with events in both periods and at least
    2 patients (else mscohort says why there is no ratio)."""
    names: list[str] = []
    for s in summaries.values():
        for g in s["relapses"]:  # type: ignore[index]
            if g not in names:
                names.append(g)
    ok = []
    for g in names:
        cells = [summaries[o]["relapses"].get(g, {"n": 0}) for o in organizations]  # type: ignore[index]
        if any(is_suppressed(c) for c in cells):
            continue
        if (sum(c["n"] for c in cells) >= 2 and sum(c.get("events_before", 0) for c in cells)
                and sum(c.get("events_during", 0) for c in cells)):
            ok.append(g)
    return ok


def _newton(ask: Ask, organizations: list[int], k: dict[str, object], groups: list[str]
            ) -> tuple[dict[str, dict[str, object]], int]:
    """Newton-Raphson on the pooled Poisson likelihood from beta = 0, then the
    patient-clustered sandwich covariance at the estimate."""
    beta = {g: [0.0, 0.0] for g in groups}
    iterations = 0
    done = not groups
    while not done and iterations < NEWTON_MAX_ITERATIONS:
        terms = ask("partial_poisson", k | {"betas": beta}, organizations)
        iterations += 1
        done = True
        for g in groups:
            grad, info, _ = _sum_terms(terms, organizations, g)
            step = np.linalg.solve(info, grad)
            beta[g] = (np.asarray(beta[g]) + step).tolist()
            done &= bool(np.max(np.abs(step)) < NEWTON_TOLERANCE)
    terms = ask("partial_poisson", k | {"betas": beta}, organizations) if groups else {}
    out = {g: _sandwich(beta[g], *_sum_terms(terms, organizations, g)[1:],
                        _patients(terms, organizations, g)) for g in groups}
    return out, iterations


def _sum_terms(terms: dict[int, object], organizations: list[int], g: str
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cells = [terms[o][g] for o in organizations]  # type: ignore[index]
    return (np.sum([c["gradient"] for c in cells], axis=0),
            np.sum([c["information"] for c in cells], axis=0),
            np.sum([c["meat"] for c in cells], axis=0))


def _patients(terms: dict[int, object], organizations: list[int], g: str) -> int:
    """The patients (clusters) of relapse group ``g`` over the centres."""
    return int(sum(terms[o][g]["n"] for o in organizations))  # type: ignore[index]


def _sandwich(beta: list[float], info: np.ndarray, meat: np.ndarray, n: int
              ) -> dict[str, object]:
    """Rate ratio exp(beta_1), its CR1 robust SE, 95% t(n-1) interval and p over ``n``
    patients (:func:`mscohort.analyse.rates.paired_ratio_interval`, as the pooled fit)."""
    inv = np.linalg.inv(info)
    r = paired_ratio_interval(beta[1], float((inv @ meat @ inv)[1, 1]), n)
    return {"log_rr": beta[1], "se": r.se, "rate_ratio": math.exp(beta[1]),
            "ci_low": r.ci_low, "ci_high": r.ci_high, "p": r.p}


def _centre_rate_ratios(ask: Ask, organizations: list[int], k: dict[str, object],
                        summaries: dict[int, object]) -> dict[int, dict[str, object]]:
    """Each centre's own rate ratio (all patients of its relapse analysis) and robust SE,
    at its own estimate: one task per centre (for the heterogeneity measures)."""
    out: dict[int, dict[str, object]] = {}
    for o in organizations:
        c = summaries[o]["relapses"].get("all")  # type: ignore[index]
        if (not isinstance(c, dict) or is_suppressed(c) or c["n"] < 2
                or not c["events_before"] or not c["events_during"]):
            continue
        r0 = c["events_before"] / c["years_before"]
        r1 = c["events_during"] / c["years_during"]
        beta = [math.log(r0), math.log(r1 / r0)]
        terms = ask("partial_poisson", k | {"betas": {"all": beta}}, [o])
        _, info, meat = _sum_terms(terms, [o], "all")
        out[o] = _sandwich(beta, info, meat, _patients(terms, [o], "all"))
    return out


def count_model_rows(ask: Ask, organizations: list[int], k: dict[str, object],
                     definition_text: str, log: dict[str, int]) -> dict[str, object]:
    """The negative binomial before/after rate ratio and its dispersion row (the pooled
    ``models_rate_ratios`` and ``models_dispersion``) when the definition fits "counts";
    a "suppressed" row when a centre has 1 to ``min_cell_size`` - 1 patients in the
    relapse population."""
    if "counts" not in definition_from_text(definition_text).models.fit:
        return {"models_rate_ratios": [], "models_dispersion": []}

    def round_(arguments: dict[str, object]) -> list[dict[str, object]]:
        got = ask("partial_negbin", k | arguments, organizations)
        return [got[o] for o in organizations]  # type: ignore[misc]

    ratio, dispersion, rounds = fit_rounds(round_)
    log["negbin_rounds"] = rounds
    model = "negative binomial (cluster-robust)"
    if ratio is None:
        first = round_({"b": [0.0, 0.0], "log_alpha": None})
        status = (SUPPRESSED_TEXT if any(is_suppressed(p) for p in first) else
                  "fewer than 2 patients or no relapse in one period: no model")
        return {"models_rate_ratios": [{"model": model, "comparison":
                                        "after / before the index date", "status": status}],
                "models_dispersion": []}
    return {"models_rate_ratios": [ratio | {"status": "exact"}],
            "models_dispersion": [dispersion | {"status": "exact"}]}
