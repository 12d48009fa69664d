"""Fault injection: make the sandbox misbehave the way a real tenant sometimes does.

Off by default. Set at start (``--faults SPEC``) or at run time (``PUT /api/_sandbox/faults``
with ``{"spec": "..."}``; an empty spec switches faults off; ``GET`` shows the current one).

Grammar (items separated by commas, whitespace ignored)::

    SPEC  := ITEM ("," ITEM)*
    ITEM  := "seed=" INT                      make the dice deterministic
           | ROUTE ["/" NAME] ":" KIND ["@" PROBABILITY]  PROBABILITY 0..1, default 1
                                              NAME: only requests whose path has a segment
                                              equal to NAME (a stream, a dataset), so tests
                                              running in parallel do not meet each other's faults
    ROUTE := "*" | fetch | results | advance | reset | exceptions | streams | predict | sync
           | comments | datasets | sources | projects | validation | model-tags
           | get | post | put | delete        (any /api route with that HTTP method)
           | infer                            (Elasticsearch POST /_ml/trained_models/ID/_infer)
    KIND  := 429            rate limited, with "Retry-After: 1"
           | 429-noretry    rate limited, no Retry-After header
           | 4xx | 5xx      that status with an error envelope (e.g. 500, 502, 503, 409)
           | slow=DURATION  delay the answer by DURATION ("2s", "250ms", "0.5"), then serve it
           | drop           close the connection without any response

Example: ``fetch:429@0.3,fetch:503@0.1,advance:drop@0.2,*:slow=2s@0.05,seed=7``.

Route names: ``streams`` covers stream and trigger create/get/list/update/delete;
``predict`` covers predict, predict-comments and predict-raw-emails; ``comments`` covers
get/delete comment. Rules are tried in order for every ``/api`` request (never for
``/api/_sandbox/...``, so a test can always switch faults off): every matching ``slow`` rule
that fires adds its delay; the first matching error or ``drop`` rule that fires answers the
request. With ``seed=N`` the same requests in the same order meet the same faults. An error
message names the rule as written in the spec (``injected by the sandbox fault 'fetch:429'``).

``infer`` is the Elasticsearch inference route (``POST /_ml/trained_models/{id}/_infer`` and
its deprecated ``/deployment/_infer`` form). Only rules that name ``infer`` apply to it (not
``*`` nor ``post``), so a chaos spec written for the Communications Mining API leaves
Elasticsearch alone. Its errors have Elasticsearch's shape, ``{"error": {"root_cause": [...],
"type", "reason"}, "status"}`` (type ``es_rejected_execution_exception`` for 429,
``status_exception`` otherwise), with the ``X-elastic-product: Elasticsearch`` header.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
from dataclasses import dataclass, replace

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .envelope import error_response, status_line

ROUTE_NAMES = frozenset(
    {
        "fetch",
        "results",
        "advance",
        "reset",
        "exceptions",
        "streams",
        "predict",
        "sync",
        "comments",
        "datasets",
        "sources",
        "projects",
        "validation",
        "model-tags",
        "infer",
    }
)
# Routes outside /api: only a rule naming them applies (not "*" nor a method rule).
OPT_IN_ROUTES = frozenset({"infer"})
METHOD_NAMES = frozenset({"get", "post", "put", "delete"})
_LAST_SEGMENT = {
    "fetch": "fetch",
    "results": "results",
    "advance": "advance",
    "reset": "reset",
    "exceptions": "exceptions",
    "sync": "sync",
    "predict": "predict",
    "predict-comments": "predict",
    "predict-raw-emails": "predict",
    "validation": "validation",
    "label-validation": "validation",
    "model-tags": "model-tags",
}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)?$")
_INFER = re.compile(r"^/_ml/trained_models/[^/]+(?:/deployment)?/_infer/?$")
_COMPATIBLE = re.compile(r"compatible-with\s*=\s*(\d+)")


class FaultSpecError(ValueError):
    """The spec does not follow the grammar; the message says which item and why."""


@dataclass(frozen=True)
class Rule:
    route: str
    kind: str  # "status", "slow" or "drop"
    probability: float = 1.0
    status: int = 0
    retry_after: bool = False
    seconds: float = 0.0
    text: str = ""  # the item as written in the spec, for messages
    scope: str = ""  # a path segment the request must have ("" = any request of the route)


@dataclass(frozen=True)
class Decision:
    delay: float = 0.0
    status: int = 0
    retry_after: bool = False
    drop: bool = False
    rule: str = ""


def route_name(method: str, path: str) -> str | None:
    """The fault route name of a request, or None when faults never apply to it."""
    if method.upper() == "POST" and _INFER.match(path):
        return "infer"
    if not path.startswith("/api/") or path.startswith("/api/_sandbox/"):
        return None
    segments = [segment for segment in path.split("/") if segment]
    if segments[-1] in _LAST_SEGMENT:
        return _LAST_SEGMENT[segments[-1]]
    if "comments" in segments:
        return "comments"
    if "streams" in segments or "triggers" in segments:
        return "streams"
    return segments[2] if len(segments) > 2 else "api"


def _duration(text: str, item: str) -> float:
    match = _DURATION.match(text)
    if not match:
        raise FaultSpecError(f"fault '{item}': duration '{text}' should look like 2s, 250ms or 0.5")
    value = float(match.group(1))
    return value / 1000 if match.group(2) == "ms" else value


def _kind(text: str, route: str, probability: float, item: str) -> Rule:
    if text == "drop":
        return Rule(route, "drop", probability, text=item)
    if text.startswith("slow="):
        return Rule(route, "slow", probability, seconds=_duration(text[5:], item), text=item)
    retry_after = text == "429"
    if text == "429-noretry":
        text = "429"
    if text.isdigit() and 400 <= int(text) <= 599:
        return Rule(route, "status", probability, status=int(text), retry_after=retry_after, text=item)
    raise FaultSpecError(
        f"fault '{item}': kind '{text}' is not 429, 429-noretry, a 4xx/5xx code, slow=<time> or drop"
    )


def parse(spec: str) -> tuple[list[Rule], int | None]:
    """Rules and seed of a spec (see the module docstring)."""
    rules: list[Rule] = []
    seed: int | None = None
    for raw in spec.split(","):
        item = "".join(raw.split())
        if not item:
            continue
        if item.startswith("seed="):
            if not item[5:].lstrip("-").isdigit():
                raise FaultSpecError(f"fault '{item}': the seed must be an integer")
            seed = int(item[5:])
            continue
        route, sep, rest = item.partition(":")
        if not sep or not rest:
            raise FaultSpecError(
                f"fault '{item}' should look like ROUTE:KIND[@PROBABILITY], e.g. fetch:429@0.3"
            )
        route, scope = _route(route, item)
        kind, at, chance = rest.partition("@")
        probability = 1.0
        if at:
            try:
                probability = float(chance)
            except ValueError:
                probability = -1.0
            if not 0.0 <= probability <= 1.0:
                raise FaultSpecError(f"fault '{item}': probability '{chance}' must be a number from 0 to 1")
        rule = _kind(kind.lower(), route, probability, item)
        rules.append(replace(rule, scope=scope) if scope else rule)
    return rules, seed


def _route(text: str, item: str) -> tuple[str, str]:
    """(route name, scope) of an item's ``ROUTE[/NAME]`` part."""
    route, slash, scope = text.partition("/")
    route = route.lower()
    if route != "*" and route not in ROUTE_NAMES and route not in METHOD_NAMES:
        known = ", ".join(sorted(ROUTE_NAMES | METHOD_NAMES))
        raise FaultSpecError(f"fault '{item}': unknown route '{route}'; use * or one of {known}")
    if slash and (not scope or "/" in scope):
        raise FaultSpecError(f"fault '{item}': after '{route}/' give one name, e.g. {route}/routing")
    return route, scope


class FaultInjector:
    """The current fault plan and its dice. Thread-safe; ``spec`` can change at run time."""

    def __init__(self, spec: str = "") -> None:
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._random = random.Random()
        self._spec = ""
        self.set(spec)

    @property
    def spec(self) -> str:
        return self._spec

    def set(self, spec: str) -> None:
        """Replace the plan. Raises FaultSpecError (and keeps the old plan) if the spec is bad."""
        rules, seed = parse(spec or "")
        with self._lock:
            self._rules = rules
            self._random = random.Random(seed)
            self._spec = ",".join("".join(part.split()) for part in (spec or "").split(",") if part.strip())

    def decide(self, method: str, path: str) -> Decision | None:
        """What happens to this request, or None for nothing at all."""
        if not self._rules:
            return None
        route = route_name(method, path)
        if route is None:
            return None
        accepted = {route} if route in OPT_IN_ROUTES else {"*", route, method.lower()}
        segments = set(path.split("/"))
        delay = 0.0
        with self._lock:
            for rule in self._rules:
                if rule.route not in accepted or (rule.scope and rule.scope not in segments):
                    continue
                if self._random.random() >= rule.probability:
                    continue
                if rule.kind == "slow":
                    delay += rule.seconds
                    continue
                return Decision(delay, rule.status, rule.retry_after, rule.kind == "drop", rule.text)
        return Decision(delay) if delay else None


async def drop_connection(send: Send) -> bool:
    """Abort the client connection without a response; True if it could be done.

    Uvicorn's ``send`` is a bound method of the request cycle, which owns the transport; the
    error guard (:mod:`.guard`) wraps it and keeps the transport as ``send.transport``.
    Aborting it and yielding once lets uvicorn see the disconnect, so it neither logs an error
    nor tries to answer. This only works from outside Starlette's own middleware, which wraps
    ``send``; the fault middleware therefore sits outside the FastAPI app.
    """
    owner = getattr(send, "__self__", None)
    transport = getattr(send, "transport", None) or getattr(owner, "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        return False
    transport.abort()
    for _ in range(3):
        await asyncio.sleep(0)
    return True


def elastic_error(scope: Scope, code: int, reason: str, headers: dict[str, str] | None) -> Response:
    """An injected error in Elasticsearch's shape, as the official client expects it."""
    kind = "es_rejected_execution_exception" if code == 429 else "status_exception"
    cause = {"type": kind, "reason": reason}
    media_type = "application/json"
    for name, value in scope.get("headers", ()):
        if name in (b"accept", b"content-type"):
            match = _COMPATIBLE.search(value.decode("latin-1"))
            if match:
                media_type = f"application/vnd.elasticsearch+json;compatible-with={match.group(1)}"
                break
    body = json.dumps({"error": {"root_cause": [cause], **cause}, "status": code})
    return Response(
        body.encode("utf-8"),
        status_code=code,
        media_type=media_type,
        headers={"X-elastic-product": "Elasticsearch", **(headers or {})},
    )


class FaultMiddleware:
    """Applies the injector's decision before the app sees the request (outside FastAPI)."""

    def __init__(self, app: ASGIApp, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        decision = self.injector.decide(scope["method"], scope["path"])
        if decision is None:
            await self.app(scope, receive, send)
            return
        if decision.delay:
            await asyncio.sleep(decision.delay)
        if decision.drop and await drop_connection(send):
            return
        if decision.drop or decision.status:
            code = decision.status or 503
            headers = {"Retry-After": "1"} if decision.retry_after else None
            reason = f"injected by the sandbox fault '{decision.rule}'"
            if route_name(scope["method"], scope["path"]) in OPT_IN_ROUTES:
                response = elastic_error(scope, code, reason, headers)
            else:
                response = error_response(code, f"{status_line(code)}: {reason}", headers)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
