"""The triage robot's ``run-report.html`` in a real browser (``make report-check``).

Runs the main job on a fresh sandbox (``robots/run_demo.py``), then opens the page it wrote in
headless Chromium (Debian's ``chromium``; ``make report-check`` installs it when missing) with
a fresh profile and no network, and checks what a person would see: the page loads with no
script or console error, loads nothing besides itself, and shows its four charts with
something drawn in them; a screenshot is not blank. Too heavy for ``make test`` (a browser and
a robot run), so it has its own target.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = """
<script>
window.__errors = [];
window.addEventListener('error', (event) => window.__errors.push(String(event.message)));
window.addEventListener('load', () => {
  const charts = [...document.querySelectorAll('.chart')].map((chart) => {
    const svg = chart.querySelector('svg');
    if (!svg) return {svg: false, text: chart.textContent.trim()};
    const box = svg.getBoundingClientRect();
    return {svg: true, width: box.width, height: box.height,
            marks: svg.querySelectorAll('path, use, rect').length};
  });
  const resources = performance.getEntriesByType('resource').map((entry) => entry.name);
  document.body.setAttribute('data-check', JSON.stringify({charts, resources, errors: window.__errors}));
});
</script>
"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed: run 'make report-check', which installs it with apt-get")
    return found


def browse(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",  # the checks run as root in CI
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # nothing outside this machine resolves
        f"--user-data-dir={profile}",
        "--virtual-time-budget=10000",
        *extra,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [sys.executable, str(ROOT / "robots" / "run_demo.py"), "--outputdir", str(out), "--console", "none"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    page = out / "run-report.html"
    assert page.is_file(), done.stdout[-2000:]
    return page


def test_the_run_report_loads_in_chromium_without_errors_and_shows_its_charts(
    report: Path, tmp_path: Path
) -> None:
    html = report.read_text(encoding="utf-8")
    assert "<script" not in html and "<link" not in html and not re.search(r"(src|href)=['\"]?https?:", html)
    checked = tmp_path / "checked.html"
    checked.write_text(html.replace("</body>", CHECK + "</body>"), encoding="utf-8")
    done = browse(checked, tmp_path / "profile", "--dump-dom")
    assert done.returncode == 0, done.stderr[-3000:]
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []
    match = re.search(r"data-check=\"([^\"]*)\"", done.stdout)
    assert match, done.stdout[-2000:]
    check = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert check["errors"] == [] and check["resources"] == []
    assert len(check["charts"]) == 4
    for chart in check["charts"]:
        assert chart["svg"], chart
        assert chart["width"] > 200 and chart["height"] > 100 and chart["marks"] > 10, chart
    assert "Model version" in done.stdout and "acme/retail-inbox" in done.stdout


def test_a_screenshot_of_the_run_report_is_not_blank(report: Path, tmp_path: Path) -> None:
    from matplotlib import image

    shot = tmp_path / "report.png"
    done = browse(report, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1000,2800")
    assert done.returncode == 0 and shot.is_file(), done.stderr[-3000:]
    pixels = image.imread(str(shot))
    ink = (pixels[:, :, :3].sum(axis=2) < 2.5).mean()  # share of pixels that are not near white
    assert ink > 0.02, ink
