"""The reports of a class grading, written to REPORT_DIR; the same submissions give the same files.

- summary.md and summary.csv: learner × step, checks passed / total (no credit shows as 0)
- results.json: every check's result for every learner and step, hidden checks apart
- gradescope/<learner>/results.json: Gradescope's format (tests with name, score, max_score, output; the
  top-level output says what was graded for each step when a notebook came with the submission)
- learners/<learner>/report.md: each learner's readable report (every step as their terminal shows it,
  hidden checks by number), in the course's language
- heatmap.svg: the class at a glance, learner × step, for a slide (heatmap.png too with matplotlib)

Every text that came from a learner (names, what their code printed or raised) is written inert
(kata.inert): escape sequences, CR, BEL and bidi controls show as visible escapes, a name stays on
its one table row, and a learner's own file name never leaves REPORT_DIR.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from html import escape
from pathlib import Path

from kata.classroom.grading import ClassResults
from kata.i18n import N_, _, by_id
from kata.inert import inert, inert_data
from kata.judging.results import PASSED, text_key
from kata.rendering.report import ONE_LINE, STATUS_WORDS


def _name(learner: str) -> str:
    """A learner's name on one line (grading already made it inert: this keeps made-up ones safe too)."""
    return inert(learner, one_line=True)


GATED = N_("no credit yet: a rule of this step about the code fails, and the previous step's code passes this "
           "check too")


def _grade(results: ClassResults, learner: str, step: str) -> dict:
    """A learner's step result with every text inert."""
    return inert_data(results.grades[learner][step], ONE_LINE)


def file_name(learner: str) -> str:
    """The learner's name as one file name under REPORT_DIR: inert, never a path, '.' or '..', at most
    200 bytes (a longer name is cut and told apart by a digest of the whole)."""
    name = _name(learner).replace("/", "\\x2f")
    if name in ("", ".", ".."):
        name = "_" + name
    if len(name.encode()) > 200:
        digest = hashlib.sha256(name.encode()).hexdigest()[:16]
        name = name.encode()[:180].decode("utf-8", errors="ignore") + "~" + digest
    return name


def _cell(results: ClassResults, learner: str, step: str) -> str:
    grade = results.grades[learner][step]
    if grade["status"] == "missing":
        return "—"
    text = f"{results.credit(learner, step)}/{results.total(learner, step)}"
    if grade.get("no_credit") or (grade["status"] == "broken"):
        text += " !"
    hidden = grade.get("hidden") or []
    if hidden:  # by number only: their words are the instructor's
        text += f" · h {sum(c['status'] == PASSED for c in hidden)}/{len(hidden)}"
    return text


def summary_markdown(results: ClassResults) -> str:
    steps = [s.id for s in results.steps]
    submissions = _name(str(results.submissions))
    lines = ["# Class summary", "", f"Submissions: `{submissions}`; cells are checks passed / total "
             "(— not submitted, ! could not be graded: the learner's report says why; h: hidden checks passed / "
             "total). Each learner's readable report: `learners/<learner>/report.md`.", "",
             "| learner | " + " | ".join(steps) + " | steps passed |",
             "|---|" + "---|" * (len(steps) + 1)]
    for learner in results.learners:
        passed = sum(_passed(results, learner, s) for s in steps)
        name = _name(learner).replace("|", "\\|")  # a | would end the cell
        lines.append(f"| {name} | " + " | ".join(_cell(results, learner, s) for s in steps)
                     + f" | {passed}/{len(steps)} |")
    if results.refused:
        lines += ["", "Not graded: " + ", ".join(f"`{_name(learner)}`" for learner in results.refused)
                  + " (a symbolic link, not a folder: a link can lead to any folder, the reference solutions too)."]
    return "\n".join(lines) + "\n"


def _passed(results: ClassResults, learner: str, step: str) -> bool:
    grade = results.grades[learner][step]
    return grade["status"] == PASSED and results.credit(learner, step) == results.total(learner, step)


def _csv_text(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: never read as a formula (=, +, -, @ first)."""
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


def summary_csv(results: ClassResults) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["learner", "step", "status", "credit", "total", "hidden_passed", "hidden_total", "problem"])
    for learner in results.learners:
        for step in results.steps:
            grade = results.grades[learner][step.id]
            hidden = grade.get("hidden", [])
            problem = " ".join(inert(grade.get("problem", "")).split())[:300]  # CR and the like escaped first
            writer.writerow([_csv_text(_name(learner)), step.id, grade["status"], results.credit(learner, step.id),
                             results.total(learner, step.id), sum(c["status"] == PASSED for c in hidden), len(hidden),
                             _csv_text(problem)])
    return out.getvalue()


def results_json(results: ClassResults) -> str:
    return json.dumps({
        "submissions": _name(str(results.submissions)),
        "steps": [s.id for s in results.steps],
        "hidden_checks": inert_data(results.hidden_names),
        "learners": {_name(learner): {step.id: _grade(results, learner, step.id) | {
            "credit": results.credit(learner, step.id), "total": results.total(learner, step.id)}
            for step in results.steps} for learner in results.learners},
    }, indent=1, sort_keys=True, ensure_ascii=False)


def gradescope(results: ClassResults, learner: str) -> str:
    """Gradescope's results.json: one test per check, named by its id, scored by the one scoring rule
    (guards are teaching notes worth 0; a check skipped for lack of a device is worth 0; what could
    not be graded is one test holding the rest of the step's max). Hidden checks are named by number
    only and shown after publication."""
    tests = []
    for step in results.steps:
        grade = _grade(results, learner, step.id)
        counted = grade.get("loaded", False) and not grade.get("no_credit")
        worth = 0
        for c in grade["checks"]:
            value = 0 if c["kind"] == "guard" or c["status"] == "skipped" else 1
            worth += value
            name = by_id(text_key(c["id"]), c["name"]) if c.get("id") else c["name"]
            status = _(STATUS_WORDS.get(c["status"], c["status"]))
            gated = c.get("equivalence", False) and grade.get("gated", False)  # the rules gate them (score)
            tests.append({"name": f"{c.get('id') or step.id}: {name}",
                          "score": int(value and counted and c["status"] == PASSED and not gated),
                          "max_score": value,
                          "output": "\n".join(x for x in (status, c["counterexample"], c["message"],
                                                           _(GATED) if gated else "") if x)})
        rest = results.total(learner, step.id) - worth
        if rest > 0:
            tests.append({"name": f"{step.id}: " + _("could not be graded"), "score": 0, "max_score": rest,
                          "output": grade.get("problem", "")})
        for i, c in enumerate(grade.get("hidden", []), 1):
            tests.append({"name": f"{step.id}: " + _("hidden check {i}").format(i=i), "score": int(c["status"] == PASSED),
                          "max_score": 1, "output": c["message"], "visibility": "after_published"})
    data = {"score": sum(t["score"] for t in tests), "tests": tests}
    graded = [f"{step.id}: {_grade(results, learner, step.id)['graded']}" for step in results.steps
              if results.grades[learner][step.id].get("graded")]
    if graded:  # a notebook came with the submission: what was graded for each step (kata.grading.notebooks)
        data["output"] = "\n".join(graded)
    return json.dumps(data, indent=1, ensure_ascii=False)


RED, YELLOW, GREEN, GREY = (215, 48, 39), (254, 224, 139), (26, 152, 80), "#e0e0e0"  # RdYlGn's ends and middle


def _colour(fraction: float | None) -> str:
    """The cell's colour: red (nothing passed) through yellow (half) to green (every check); grey: not submitted."""
    if fraction is None:
        return GREY
    low, high, t = (RED, YELLOW, fraction * 2) if fraction <= 0.5 else (YELLOW, GREEN, fraction * 2 - 1)
    r, g, b = (round(a + (z - a) * t) for a, z in zip(low, high))
    return f"#{r:02x}{g:02x}{b:02x}"


def _legend(x: float, y: float) -> list[str]:
    """The colour scale under the grid: a bar from 0 % to 100 % of the checks passed, labelled every
    25 %, a grey swatch for a step not submitted, and what a cell's tooltip says."""
    bar, high = 200, 12
    parts = ['<defs><linearGradient id="scale">'
             + "".join(f'<stop offset="{p}%" stop-color="{_colour(p / 100)}"/>' for p in (0, 25, 50, 75, 100))
             + "</linearGradient></defs>",
             '<style>.not-submitted{fill:#e0e0e0}</style>',
             f'<text x="{x}" y="{y + 10}">checks passed:</text>',
             f'<path d="M{x + 90} {y}h{bar}v{high}h-{bar}z" fill="url(#scale)" stroke="#888"/>']
    for p in (0, 25, 50, 75, 100):
        tx = x + 90 + bar * p / 100
        parts.append(f'<path d="M{tx} {y + high}v3" stroke="#888"/>')
        parts.append(f'<text x="{tx}" y="{y + high + 14}" text-anchor="middle">{p}%</text>')
    parts.append(f'<path class="not-submitted" d="M{x + 310} {y}h{high}v{high}h-{high}z" stroke="#888"/>')
    parts.append(f'<text x="{x + 310 + high + 4}" y="{y + 10}">not submitted</text>')
    parts.append(f'<text x="{x}" y="{y + high + 32}" fill="#555">Hover a cell for its score (passed / total; '
                 '! could not be graded: the learner\'s report says why).</text>')
    return parts


def heatmap_svg(results: ClassResults) -> str:
    cell, left, top = 28, 140, 70
    steps = [s.id for s in results.steps]
    grid_bottom = top + cell * len(results.learners)
    width, height = max(left + cell * len(steps) + 10, 560), grid_bottom + 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="11">',
             f'<text x="{left}" y="16" font-size="14">Class progress: checks passed per step</text>']
    for j, step in enumerate(steps):
        x = left + j * cell + cell / 2
        parts.append(f'<text x="{x}" y="{top - 6}" transform="rotate(-60 {x} {top - 6})">{escape(step)}</text>')
    for i, learner in enumerate(results.learners):
        y = top + i * cell
        parts.append(f'<text x="{left - 6}" y="{y + cell * 0.65}" text-anchor="end">{escape(_name(learner))}</text>')
        for j, step in enumerate(steps):
            grade = results.grades[learner][step]
            total = results.total(learner, step)
            fraction = None if grade["status"] == "missing" else results.credit(learner, step) / max(total, 1)
            parts.append(f'<rect x="{left + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                         f'fill="{_colour(fraction)}"><title>{escape(_name(learner))} {step}: '
                         f'{escape(_cell(results, learner, step))}</title></rect>')
    parts += _legend(10, grid_bottom + 14)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def heatmap_png(results: ClassResults, path: Path) -> bool:
    """The same picture as PNG, when matplotlib is installed (an optional extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    steps = [s.id for s in results.steps]
    grid = [[float("nan") if results.grades[lr][s]["status"] == "missing"
             else results.credit(lr, s) / max(results.total(lr, s), 1) for s in steps] for lr in results.learners]
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    # the SVG's colours; grey: not submitted
    scale = LinearSegmentedColormap.from_list("kata", [_colour(p / 4) for p in range(5)]).with_extremes(bad=GREY)
    fig, ax = plt.subplots(figsize=(2.5 + 0.45 * len(steps), 1.5 + 0.3 * len(results.learners)))
    image = ax.imshow(grid, cmap=scale, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(steps)), steps, rotation=60, ha="right")
    # a name's $ is text, not matplotlib's mathtext (an unbalanced formula would stop the picture)
    ax.set_yticks(range(len(results.learners)), [_name(lr).replace("$", "\\$") for lr in results.learners])
    ax.set_title("Class progress: share of checks passed")
    bar = fig.colorbar(image, ax=ax, ticks=[0, 0.25, 0.5, 0.75, 1], format=PercentFormatter(1.0))
    bar.set_label("checks passed")
    bar.ax.legend(handles=[Patch(facecolor=GREY, edgecolor="#888", label="not submitted")], loc="upper left",
                  bbox_to_anchor=(0, -0.01), fontsize=8, frameon=False, handlelength=1, borderaxespad=0)
    fig.savefig(path, dpi=120, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return True


def write_safely(out: Path, path: Path, text: str) -> None:
    """Write through no link: every folder between `out` and the file must be a real folder, and the
    file is replaced (a temporary file renamed over it), so a link planted at its name is replaced,
    never followed."""
    folder = out
    if ".." in path.relative_to(out).parts:
        raise OSError(f"{path} is outside {out}: refusing to write it")
    for part in path.relative_to(out).parts[:-1]:
        folder = folder / part
        if folder.is_symlink():
            raise OSError(f"{folder} is a link: refusing to write reports through it")
        folder.mkdir(exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    with open(tmp, "x", encoding="utf-8") as f:
        f.write(text)
    tmp.replace(path)


def learner_markdown(results: ClassResults, learner: str) -> str:
    """One learner's report, readable beside the JSON, in the course's language: each step's report as
    their terminal shows it (never wrapped), what was graded, and the hidden checks by number only."""
    from kata.judging.results import StepResult
    from kata.rendering import report

    lines = [f"# torch-nn-kata · {escape(_name(learner))}", ""]
    for step in results.steps:
        grade = _grade(results, learner, step.id)
        lines += [f"## {step.id} · {escape(by_id(step.id + '.title', step.title))}: "
                  f"{results.credit(learner, step.id)}/{results.total(learner, step.id)}", ""]
        if grade.get("graded"):
            lines += [escape(grade["graded"]), ""]
        with report.unwrapped():
            known = {"step": step.id, "slug": step.slug, "title": step.title, "target": "", "file": step.filename}
            text = report.step_text(StepResult.from_dict(known | grade))
        fence = "`" * max(3, 1 + max(map(len, re.findall(r"`+", text)), default=0))  # longer than any in it
        lines += [fence + "text", text, fence, ""]
        hidden = grade.get("hidden") or []
        if hidden:
            lines += [_("Hidden checks: {checks}.").format(checks=", ".join(
                _("{i}: {status}").format(i=i, status=_(STATUS_WORDS.get(c["status"], c["status"])))
                for i, c in enumerate(hidden, 1))), ""]
    return "\n".join(lines)


def write_reports(results: ClassResults, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = {out / "summary.md": summary_markdown(results), out / "summary.csv": summary_csv(results),
             out / "results.json": results_json(results), out / "heatmap.svg": heatmap_svg(results)}
    for learner in results.learners:
        files[out / "gradescope" / file_name(learner) / "results.json"] = gradescope(results, learner)
        files[out / "learners" / file_name(learner) / "report.md"] = learner_markdown(results, learner)
    for path, text in files.items():
        write_safely(out, path, text)
    written = list(files)
    if heatmap_png(results, out / "heatmap.png"):
        written.append(out / "heatmap.png")
    return written
