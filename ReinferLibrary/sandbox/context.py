"""What every route needs: the store, the predictor, the sequence codec, the fault injector,
and lookups that answer 404 with a message naming what was missing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request

from .envelope import not_found
from .faults import FaultInjector
from .predictor import Predictor
from .store import Store
from .streams import SequenceCodec, StreamView


@dataclass
class Sandbox:
    store: Store
    predictor: Predictor
    codec: SequenceCodec
    faults: FaultInjector
    results_api: str = "both"
    """Where ``/results`` is served: ``both``, only ``v1`` or only ``preview`` (``serve --results-api``)."""

    @classmethod
    def open(cls, data_dir: Path, faults: str = "") -> Sandbox:
        """Open (or create) the database in ``data_dir``. Raises FaultSpecError for a bad spec."""
        injector = FaultInjector(faults)
        store = Store(data_dir)
        return cls(store, Predictor(store), SequenceCodec(store.secret), injector)

    def dataset(self, owner: str, name: str) -> dict[str, Any]:
        dataset = self.store.get_dataset(owner, name)
        if dataset is None:
            raise not_found(f"dataset '{owner}/{name}' does not exist")
        return dataset

    def source(self, owner: str, name: str) -> dict[str, Any]:
        source = self.store.get_source(owner, name)
        if source is None:
            raise not_found(f"source '{owner}/{name}' does not exist")
        return source

    def stream(self, dataset: dict[str, Any], name: str, noun: str = "stream") -> tuple[dict[str, Any], int]:
        """A stream definition and its position."""
        found = self.store.get_stream(dataset["id"], name)
        if found is None:
            raise not_found(
                f"{noun} '{name}' does not exist in dataset '{dataset['owner']}/{dataset['name']}'"
            )
        return found

    def view(self, dataset: dict[str, Any], stream: dict[str, Any]) -> StreamView:
        return StreamView(self.store, self.predictor, self.codec, dataset, stream)


def _sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


SandboxDep = Annotated[Sandbox, Depends(_sandbox)]
