"""Benchmark PDF rendering of the sample report.

    python benchmarks/bench_pdf.py [--runs 10] [--warmup 1]

Cases (same HTML, rendered from templates/reports/pdf/sample.html once up front; runs interleaved):
  render_pdf        reports.rendering.pdf.render_pdf: shared FontConfiguration + parsed base CSS, GC paused
  weasyprint_fresh  plain WeasyPrint with a new FontConfiguration and freshly parsed CSS on every render
                    (what a naive implementation would do)

Prints one line per case and writes benchmarks/results/pdf.json.
"""
from __future__ import annotations

import argparse
import io
import json
import logging
import math
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

import django  # noqa: E402

django.setup()
logging.getLogger("weasyprint").setLevel(logging.WARNING)  # per-step progress logs would dominate the output

import weasyprint  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from reports.rendering import pdf  # noqa: E402
from reports.rendering.sample import SAMPLE_TEMPLATE, sample_context  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "pdf.json"


def weasyprint_fresh(html: str) -> bytes:
    font_config = FontConfiguration()
    css = weasyprint.CSS(string=pdf.font_face_css() + "\n" + pdf.BASE_CSS_PATH.read_text(encoding="utf-8"),
                         base_url=pdf.BASE_CSS_PATH.as_uri(), font_config=font_config)
    return weasyprint.HTML(string=html, base_url=ROOT.as_uri() + "/").write_pdf(
        stylesheets=[css], font_config=font_config)


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: with few runs p95 is the slowest but one or so)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def measure(cases: dict, html: str, *, runs: int, warmup: int) -> dict[str, list[float]]:
    """Interleave the cases run by run, so a load spike on a shared machine hits all of them alike."""
    for fn in cases.values():
        for _ in range(warmup):
            fn(html)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for run in range(runs):
        order = list(cases.items()) if run % 2 == 0 else list(reversed(cases.items()))
        for name, fn in order:
            start = time.perf_counter()
            fn(html)
            samples[name].append(time.perf_counter() - start)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    pdf.ensure_harfbuzz_subsetting()
    html = render_to_string(SAMPLE_TEMPLATE, sample_context())
    cold_start = time.perf_counter()
    pdf.reset_renderer()
    first = pdf.render_pdf(html)
    cold = time.perf_counter() - cold_start
    pages = len(PdfReader(io.BytesIO(first)).pages)

    cases = {"render_pdf": pdf.render_pdf, "weasyprint_fresh": weasyprint_fresh}
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "weasyprint": weasyprint.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "document": {"template": SAMPLE_TEMPLATE, "pages": pages, "html_bytes": len(html.encode()),
                     "pdf_bytes": len(first)},
        # A shared or busy machine inflates every number; the load says how much to trust them.
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "runs": args.runs,
        "warmup": args.warmup,
        "render_pdf_cold_s": round(cold, 4),
        "cases": {},
    }
    print(f"sample report: {pages} pages, {len(first) / 1024:.0f} KiB; render_pdf cold (first in process) {cold:.3f}s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, samples in measure(cases, html, runs=args.runs, warmup=args.warmup).items():
        median, p95 = statistics.median(samples), percentile(samples, 95)
        report["cases"][name] = {
            "median_s": round(median, 4),
            "p95_s": round(p95, 4),
            "min_s": round(min(samples), 4),
            "max_s": round(max(samples), 4),
            "samples_s": [round(s, 4) for s in samples],
        }
        print(f"{name:<18} median {median:.3f}s  p95 {p95:.3f}s  (n={len(samples)}, min {min(samples):.3f}s)")

    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
