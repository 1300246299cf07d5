"""Benchmark: the federated analysis' compute, without vantage6's transport.

A synthetic registry cohort (mscohort.synthetic) is cut into centres; each centre's analysis
frame is derived (as ``extract_outcomes`` does at a node) and the central function's rounds
run against the centres' partial functions in one process, each answer passed through JSON
as vantage6 passes it. Prints the time of the extraction per centre, of the rounds, the
number of rounds (each one a round trip through the hub in a real network) and the bytes
the centres returned. Needs the federated virtualenv (scripts/run-federated-tests.sh):

    federated/.venv/bin/python benchmarks/bench_federated.py [--patients 30000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import polars as pl
from mscohort_federated import partials
from mscohort_federated.central import run_rounds
from mscohort_federated.contrasts import contrast_sums
from mscohort_federated.extract import analysis_frame, definition_from_text
from mscohort_federated.flow import flow_counts
from mscohort_federated.negbin import negbin_terms

from mscohort.study import Study
from mscohort.synthetic import make_synthetic_cohort

SEED_STUDY = Path(__file__).parents[1] / "src" / "mscohort" / "datasets" / "seed" / "study.toml"


def centres(study: Study, shares: tuple[float, ...]) -> list[Study]:
    ids = study.patients["patient_id"].sort().to_list()
    cuts = [0]
    for s in shares:
        cuts.append(cuts[-1] + round(s * len(ids)))
    cuts[-1] = len(ids)
    out = []
    for a, b in itertools.pairwise(cuts):
        keep = ids[a:b]
        out.append(Study({name: frame.filter(pl.col("patient_id").is_in(keep))
                          for name, frame in study.tables.items()}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=30_000)
    args = parser.parse_args()
    text = SEED_STUDY.read_text()
    d = definition_from_text(text)
    study = make_synthetic_cohort(args.patients, seed=26)
    frames = {}
    for i, part in enumerate(centres(study, (0.6, 0.3, 0.1)), start=1):
        t = time.perf_counter()
        frames[i] = analysis_frame(part, d)
        print(f"centre {i}: {frames[i].height:,} patients, extraction and derivation "
              f"{time.perf_counter() - t:.1f} s")
    sent = {"bytes": 0}

    def ask(method: str, arguments: dict, orgs: list[int]) -> dict[int, object]:
        out = {}
        for o in orgs:
            f, k = frames[o], int(arguments["min_cell_size"])
            if method == "partial_summary":
                slugs = [c.removeprefix("edss_") for c in f.columns
                         if c.startswith("edss_") and c != "edss_change"]
                r = partials.summary(f, slugs, k, False)
            elif method == "partial_counts":
                r = partials.counts_at(f, arguments["queries"], k)
            elif method == "partial_followup":
                r = partials.followup_split(f, float(arguments["median"]), k, False)
            elif method == "partial_negbin":
                r = negbin_terms(f, arguments["b"], arguments["log_alpha"], k)
            elif method == "partial_contrasts":
                r = {"contrasts": contrast_sums(f, arguments["median"], k)}
            elif method == "partial_flow":
                r = {"flow": flow_counts(f, arguments["index_drug"], k)}
            else:
                r = partials.poisson_terms(f, arguments["betas"], k)
            data = json.dumps(r)
            sent["bytes"] += len(data)
            out[o] = json.loads(data)
        return out

    t = time.perf_counter()
    result = run_rounds(ask, list(frames), {o: f"centre {o}" for o in frames}, text, 5)
    print(f"central rounds: {time.perf_counter() - t:.1f} s; {result['rounds']}; "
          f"{sent['bytes'] / 1e6:.2f} MB returned by the centres")


if __name__ == "__main__":
    main()
