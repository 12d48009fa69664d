"""robots/libraries/TriageRun.py: temporary files a killed writer leaves (issue 10, finding 9).

A robot killed while writing a work item leaves a hidden ``.<uid>.json.….tmp`` file. The
restart used to remove only files more than a minute old, so a robot restarted at once kept
them. The writer is killed for real here (SIGKILL inside its write), not simulated.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

LIBRARY = Path(__file__).resolve().parents[2] / "robots" / "libraries" / "TriageRun.py"

WRITER = """
import os, signal, sys, time, importlib.util
spec = importlib.util.spec_from_file_location("TriageRun", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
def stop(fd):
    print("writing", flush=True)
    if sys.argv[3] == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)
module.os.fsync = stop
module.write_json_atomically(module.Path(sys.argv[2]) / "orders" / "src.c1.json", {"uid": "src.c1"})
"""


@pytest.fixture
def work_queues() -> ModuleType:
    spec = importlib.util.spec_from_file_location("TriageRun", LIBRARY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def leftovers(root: Path) -> list[str]:
    return sorted(entry.name for entry in (root / "orders").iterdir() if entry.name.endswith(".tmp"))


def test_a_restart_right_after_a_kill_removes_the_killed_writers_temporary_file(
    tmp_path: Path, work_queues: ModuleType
) -> None:
    writer = subprocess.run(
        [sys.executable, "-c", WRITER, str(LIBRARY), str(tmp_path), "kill"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert writer.returncode == -9 and writer.stdout.strip() == "writing"
    assert len(leftovers(tmp_path)) == 1  # the partial file the kill left, seconds old
    work_queues.TriageRun().open_work_queues(str(tmp_path), "orders")
    assert leftovers(tmp_path) == []
    assert not (tmp_path / "orders" / "src.c1.json").exists()


def test_a_live_writers_temporary_file_is_kept(tmp_path: Path, work_queues: ModuleType) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(LIBRARY), str(tmp_path), "hang"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
        work_queues.TriageRun().open_work_queues(str(tmp_path), "orders")
        assert len(leftovers(tmp_path)) == 1
    finally:
        writer.kill()
        writer.wait()
