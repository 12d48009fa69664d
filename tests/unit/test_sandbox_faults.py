"""Fault spec grammar and decisions of the sandbox fault injector (no server needed)."""

from __future__ import annotations

import pytest

from ReinferLibrary.sandbox.faults import FaultInjector, FaultSpecError, parse, route_name

DATASET = "/api/v1/datasets/acme/retail-inbox"


@pytest.mark.parametrize(
    ("method", "path", "name"),
    [
        ("POST", f"{DATASET}/streams/routing/fetch", "fetch"),
        ("POST", f"{DATASET}/triggers/routing/fetch", "fetch"),
        ("GET", f"{DATASET}/streams/routing/results", "results"),
        ("POST", f"{DATASET}/streams/routing/advance", "advance"),
        ("POST", f"{DATASET}/streams/routing/reset", "reset"),
        ("PUT", f"{DATASET}/streams/routing/exceptions", "exceptions"),
        ("GET", f"{DATASET}/streams/routing", "streams"),
        ("PUT", f"{DATASET}/triggers", "streams"),
        ("POST", f"{DATASET}/labellers/live/predict", "predict"),
        ("POST", f"{DATASET}/labellers/2/predict-comments", "predict"),
        ("POST", f"{DATASET}/labellers/2/predict-raw-emails", "predict"),
        ("GET", f"{DATASET}/labellers/2/validation", "validation"),
        ("GET", f"{DATASET}/model-tags", "model-tags"),
        ("POST", "/api/v1/sources/acme/retail-inbox/sync", "sync"),
        ("GET", "/api/v1/sources/acme/retail-inbox/comments/a1", "comments"),
        ("GET", DATASET, "datasets"),
        ("GET", "/api/v1/projects", "projects"),
        ("PUT", "/api/_sandbox/faults", None),
        ("GET", "/api/_sandbox/health", None),
        ("GET", "/docs", None),
        ("POST", "/_ml/trained_models/inbox-v1/_infer", "infer"),
        ("POST", "/_ml/trained_models/inbox-v1/deployment/_infer", "infer"),
        ("GET", "/_ml/trained_models/inbox-v1", None),
        ("GET", "/", None),
    ],
)
def test_route_names(method: str, path: str, name: str | None) -> None:
    assert route_name(method, path) == name


def test_parse_full_example() -> None:
    rules, seed = parse(
        "fetch:429@0.3, fetch:503@0.1,advance:drop@0.2,*:slow=2s@0.05,results:429-noretry@0.5,seed=7"
    )
    assert seed == 7
    assert [(r.route, r.kind, r.status, r.retry_after, r.probability) for r in rules] == [
        ("fetch", "status", 429, True, 0.3),
        ("fetch", "status", 503, False, 0.1),
        ("advance", "drop", 0, False, 0.2),
        ("*", "slow", 0, False, 0.05),
        ("results", "status", 429, False, 0.5),
    ]
    assert rules[3].seconds == 2.0


def test_parse_durations_and_default_probability() -> None:
    rules, seed = parse("get:slow=250ms,post:slow=0.5,sync:409")
    assert seed is None
    assert [rule.seconds for rule in rules[:2]] == [0.25, 0.5]
    assert rules[2].status == 409 and rules[2].probability == 1.0


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("fetch", "should look like ROUTE:KIND"),
        ("fetchx:429", "unknown route 'fetchx'"),
        ("fetch:200", "kind '200' is not"),
        ("fetch:429@1.5", "probability '1.5' must be a number from 0 to 1"),
        ("fetch:slow=fast", "duration 'fast'"),
        ("seed=x", "seed must be an integer"),
        ("exceptions/:500", "after 'exceptions/' give one name"),
        ("exceptions/a/b:500", "after 'exceptions/' give one name"),
    ],
)
def test_parse_errors_name_the_item(spec: str, fragment: str) -> None:
    with pytest.raises(FaultSpecError, match=fragment):
        parse(spec)


def test_bad_spec_keeps_previous_plan() -> None:
    injector = FaultInjector("fetch:503")
    with pytest.raises(FaultSpecError):
        injector.set("fetch:nope")
    assert injector.spec == "fetch:503"
    decision = injector.decide("POST", f"{DATASET}/streams/routing/fetch")
    assert decision is not None and decision.status == 503


def test_decisions_follow_route_method_and_probability() -> None:
    injector = FaultInjector("advance:drop,get:slow=1s,results:429-noretry")
    drop = injector.decide("POST", f"{DATASET}/streams/s/advance")
    assert drop is not None and drop.drop
    slow_then_error = injector.decide("GET", f"{DATASET}/streams/s/results")
    assert slow_then_error is not None
    assert (slow_then_error.delay, slow_then_error.status, slow_then_error.retry_after) == (1.0, 429, False)
    assert injector.decide("POST", f"{DATASET}/streams/s/fetch") is None
    assert injector.decide("PUT", "/api/_sandbox/faults") is None


def test_seed_makes_faults_repeatable() -> None:
    spec = "fetch:503@0.5,seed=11"
    path = f"{DATASET}/streams/s/fetch"

    def run() -> list[bool]:
        injector = FaultInjector(spec)
        return [injector.decide("POST", path) is not None for _ in range(40)]

    first = run()
    assert first == run()
    assert 5 < sum(first) < 35  # a coin, not a constant


def test_empty_spec_switches_off() -> None:
    injector = FaultInjector("*:500")
    injector.set("")
    assert injector.spec == ""
    assert injector.decide("GET", "/api/v1/projects") is None


def test_infer_faults_are_opt_in() -> None:
    infer = "/_ml/trained_models/inbox-v1/_infer"
    assert FaultInjector("*:500,post:503").decide("POST", infer) is None
    decision = FaultInjector("*:500,infer:429@1.0").decide("POST", infer)
    assert decision is not None and (decision.status, decision.retry_after) == (429, True)
    assert decision.rule == "infer:429@1.0"
    slow = FaultInjector("infer:slow=250ms,infer:drop").decide("POST", infer)
    assert slow is not None and slow.delay == 0.25 and slow.drop


def test_decisions_name_the_rule_as_written_in_the_spec() -> None:
    injector = FaultInjector("fetch: 429-noretry @ 0.9999 ,seed=1")
    decision = injector.decide("POST", f"{DATASET}/streams/s/fetch")
    assert decision is not None and decision.rule == "fetch:429-noretry@0.9999"
    dropped = FaultInjector("advance:drop").decide("POST", f"{DATASET}/streams/s/advance")
    assert dropped is not None and dropped.rule == "advance:drop"


def test_a_scoped_rule_hits_only_requests_naming_its_stream() -> None:
    injector = FaultInjector("exceptions/mine:500")
    hit = injector.decide("PUT", f"{DATASET}/streams/mine/exceptions")
    assert hit is not None and hit.status == 500 and hit.rule == "exceptions/mine:500"
    assert injector.decide("PUT", f"{DATASET}/streams/theirs/exceptions") is None
    assert injector.decide("POST", f"{DATASET}/streams/mine/fetch") is None  # other route, same stream
