"""The HTML report: sections follow what the run has, strings are escaped, and the page loads
in a real headless Chromium with every picture and no console error."""

import shutil
from pathlib import Path

import pytest

from contentpose.viz.html_report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def odd_run(evaluated_predictor_run):
    """The predictor run, evaluated (short prediction settings), in a folder whose name needs escaping."""
    return evaluated_predictor_run[0]


@pytest.fixture(scope="module")
def odd_report(odd_run) -> Path:
    """odd_run's report page, written once for the tests that read it."""
    return write_report(odd_run)


def test_autoencoder_report_has_its_sections_and_escapes_names(odd_run, odd_report):
    page = odd_report.read_text()
    for title in (
        "Configuration",
        "Training curves",
        "Analogies",
        "Pose interpolation",
        "Prediction",
        "Scores on the val split",
    ):
        assert f">{title}<" in page, title
    for table in ("Swap fidelity on 32 val pairs", "Disentanglement on", "Prediction of", "constant global shift"):
        assert table in page, table  # the tables `contentpose evaluate` prints, in <pre>
    assert "Samples" not in page and "Identity analysis" not in page  # Set GAN sections left out
    assert "<b>run" not in page and "&lt;b&gt;run &amp; &#x27;co&#x27;" in page
    assert (odd_run / "report_files" / "prediction.gif").is_file()


def test_set_gan_report_and_unevaluated_run(setgan_run, evaluated_setgan_run, tmp_path):
    run = shutil.copytree(setgan_run, tmp_path / "gan")
    page = write_report(run).read_text()
    assert ">Samples<" in page and ">Latent traversals<" in page and "data:image/gif;base64," in page
    assert "Analogies" not in page and "Scores on" not in page and "Identity analysis" not in page  # not evaluated
    page = write_report(evaluated_setgan_run[0]).read_text()  # the same run after `contentpose evaluate`
    assert ">Identity analysis<" in page and "content changed" in page and "sets of 3 frames" in page


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)")
def test_report_loads_in_headless_chromium(odd_report, tmp_path):
    from playwright.sync_api import sync_playwright

    page_path = odd_report
    errors = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(Path(page_path).resolve().as_uri())
        page.wait_for_load_state("load")
        sizes = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert len(sizes) >= 5 and all(done and w > 0 and h > 0 for done, w, h in sizes), sizes
    assert errors == []
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_report_bad_inputs(odd_run, tmp_path, fails_cleanly):
    fails_cleanly(["report", str(tmp_path / "nowhere")], "run folder not found")
    broken = tmp_path / "broken"
    shutil.copytree(odd_run, broken)
    (broken / "eval.json").write_text("{not json")
    fails_cleanly(["report", str(broken)], "eval.json is not valid JSON")
    (tmp_path / "file").write_text("")
    fails_cleanly(["report", str(odd_run), "--out", str(tmp_path / "file" / "r.html")], "cannot write the report")
