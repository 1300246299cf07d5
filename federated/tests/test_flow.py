"""The population flow of the federated run equals the pooled analysis' ``flow``
(:func:`mscohort.analyse.flow.population_flow`) box by box, or is suppressed where a
centre has a box of 1 to 4 patients in that stage (its whole stage is suppressed there)."""

from __future__ import annotations

from mscohort_federated.flow import flow_rows

from .conftest import Network


def _centre_flows(net: Network) -> list[list[dict]]:
    return [p["flow"] for p in net.partials if "flow" in p]


def test_flow_boxes_equal_the_pooled_flow_or_are_suppressed(net: Network) -> None:
    fed = {(r["stage"], r["box"], r["kind"], r["note"]): r for r in net.result["flow"]}
    pooled = net.pooled.flow.to_dicts()
    centres = _centre_flows(net)
    assert len(centres) == 3
    small_stages = [{r["stage"] for r in c if isinstance(r["n"], dict)} for c in centres]
    compared = 0
    for want in pooled:
        key = (want["stage"], want["box"], want["kind"], want["note"])
        got = fed.pop(key)
        if got["status"] == "suppressed":
            assert any(want["stage"] in s for s in small_stages), key
            assert got["n"] is None
            continue
        assert got["n"] == want["n"], (key, got, want)
        compared += 1
    assert compared >= 2  # the seed's small centre (7 patients) hides most stages
    # boxes only the federated flow lists: excluded boxes that are 0 when pooled cannot
    # exist; only suppressed boxes of a stage may remain
    assert all(r["status"] == "suppressed" for r in fed.values()), fed


def test_a_centres_stage_with_a_small_box_is_suppressed_whole(net: Network) -> None:
    for flow in _centre_flows(net):
        stages: dict[str, list] = {}
        for r in flow:
            stages.setdefault(r["stage"], []).append(r["n"])
        for values in stages.values():
            hidden = [isinstance(v, dict) for v in values]
            assert all(hidden) or not any(hidden)
            assert all(isinstance(v, dict) or v == 0 or v >= 5 for v in values)


def test_a_pooled_box_built_on_a_suppressed_one_is_suppressed() -> None:
    a = [{"stage": "treated", "box": "treated with X", "n": 40, "kind": "included",
          "note": None}]
    b = [{"stage": "treated", "box": "treated with X", "n": {"suppressed": True},
          "kind": "included", "note": None}]
    assert flow_rows([a, a]) == [{"stage": "treated", "box": "treated with X", "n": 80,
                                  "kind": "included", "note": None, "status": "exact"}]
    assert flow_rows([a, b])[0] | {} == {"stage": "treated", "box": "treated with X",
                                         "n": None, "kind": "included", "note": None,
                                         "status": "suppressed"}
