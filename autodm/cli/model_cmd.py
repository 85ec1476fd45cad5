"""``autodm train``, ``autodm evaluate`` and ``autodm model info``: the retraining loop."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from autodm import output
from autodm.cli import app, err_console, printable, reports_errors
from autodm.cli.options import FollowsOpt, PlatformOpt, StrictOpt, a_cost, a_share, a_weight
from autodm.cli.scan_cmd import ModelOpt, TrustOpt, inputs_of, report_skips, stage
from autodm.errors import InputError, TrustListError, one_line

if TYPE_CHECKING:
    from autodm.training import Labelled

SEED = 20261122  # autodm.model.SEED, repeated so --help needs no scikit-learn import

model_app = typer.Typer(help="Show the model card of a model.", no_args_is_help=True)
app.add_typer(model_app, name="model")


class ThresholdOn(StrEnum):
    all = "all"
    text_only = "text-only"


class ReportFormat(StrEnum):
    table = "table"
    json = "json"


#: The seeds scikit-learn's folds take: 0 .. 2**32 - 1.
SEED_MAX = 2**32 - 1


def a_seed(value: int) -> int:
    """Check --seed up front: scikit-learn refused one outside 0 .. 2**32 - 1 after reading the labels."""
    if not 0 <= value <= SEED_MAX:
        raise typer.BadParameter(f"{value} is not a whole number from 0 to {SEED_MAX}")
    return value


Files = Annotated[
    list[Path] | None,
    typer.Argument(help="Labelled tables (scan exports with a label column: csv, tsv, xlsx, jsonl), "
                   "or with --labels the export they label.", show_default=False),
]
LabelsOpt = Annotated[Path | None, typer.Option("--labels", help="message_id,label CSV for the export "
                                                "given as FILES: features are rebuilt from the source.",
                                                show_default=False)]


def _gather(files: list[Path], labels: Path | None, weight: float, platform: str | None,
            strict: bool = False, follows: Path | None = None, *, alone: bool = False) -> Labelled:
    """The labelled messages of FILES (``alone``, for training: an export's also text only)."""
    from autodm.training import labelled_archive, labelled_tables, rounded_hint

    if labels is not None:
        data = labelled_archive(files, labels, weight=weight, platform=platform, strict=strict, follows=follows,
                                alone=alone)
        report_skips(data.info["_skips"])
        for line in data.info["warnings"]:
            err_console.print(one_line(f"warning: {line}"), highlight=False, markup=False)
        if n := data.info["ids_not_in_export"]:
            err_console.print(one_line(
                f"warning: {labels}: {n} labelled message id{'s are' if n > 1 else ' is'} not in the export "
                f"(first: {data.info['first_id_not_in_export']!r}); left out"
                + (f"; {rounded_hint(r)}" if (r := data.info["rounded_id"]) else "")), highlight=False, markup=False)
        return data
    if follows is not None:
        raise InputError("--follows adds follow times to an export read with --labels; a labelled table "
                         "already carries its followed_at column")
    data = labelled_tables(files, weight=weight, strict=strict)
    for part in data.info["parts"]:
        for line in part["warnings"]:
            err_console.print(one_line(f"warning: {line}"), highlight=False, markup=False)
    return data


@app.command()
@reports_errors
def train(
    files: Files = None,
    out: Annotated[Path, typer.Option("--output", "-o", help="Where to write the model (.joblib); "
                                      "its card goes beside it (.json).")] = Path("models/mine.joblib"),
    labels: LabelsOpt = None,
    with_default: Annotated[bool, typer.Option("--with-default", help="Add the bundled corpus to your "
                                               "labels (alone: rebuild the default model).")] = False,
    weight: Annotated[float, typer.Option("--weight", callback=a_weight, help="Weight of your labelled rows "
                                          "relative to the bundled corpus.")] = 1.0,
    max_fpr: Annotated[float | None, typer.Option("--max-fpr", callback=a_share, help="Pick the "
                       "threshold that keeps the cross-validated false-positive rate at or under this "
                       "(default: max F1).", show_default=False)] = None,
    threshold_on: Annotated[ThresholdOn, typer.Option("--threshold-on", help="Choose the threshold on all "
                            "cross-validated rows, or only on those without thread or follow context.")]
    = ThresholdOn.all,
    seed: Annotated[int, typer.Option("--seed", callback=a_seed, help="Random seed (folds, simulation): a "
                                      "whole number from 0 to 4294967295.")] = SEED,
    platform: PlatformOpt = None,
    strict: StrictOpt = False,
    follows: FollowsOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the model card as JSON on stdout.")] = False,
) -> None:
    """Train a model on labelled messages (cross-validated by sender), save it and its card."""
    import numpy as np

    from autodm import model as mdl
    from autodm.evaluation import undefined_as_none
    from autodm.training import check_balance, concat, corpus_set, fit

    files = files or []
    if not files and not with_default:
        raise InputError("nothing to train on: give labelled files, or --with-default for the bundled corpus")
    for target in (out, mdl.card_path(out)):  # the card beside the model must not replace an input either
        output.refuse_input(target, inputs_of(files, labels, follows))
    mdl.check_model_path(out)  # before minutes of training, not after
    parts: list[Labelled] = []
    with stage("reading labels"):
        if files:
            parts.append(_gather(files, labels, weight, platform.value if platform else None, strict, follows,
                                 alone=True))
    for w in check_balance(parts[0], with_default) if parts else []:
        err_console.print(one_line(f"warning: {w}"), highlight=False, markup=False)
    if with_default:
        with stage("building the bundled training set"):
            parts.append(corpus_set(seed))
    data = concat(parts) if len(parts) > 1 else parts[0]
    if len(parts) > 1:
        data.info = {"parts": [p.info for p in parts]}
    if not parts[0].info.get("source"):
        data.info.setdefault("files", [str(f) for f in files])
    own = None
    if len(parts) > 1:  # your labels first, then the corpus: how the model does on yours, held out
        own = np.zeros(len(data), dtype=bool)
        own[:len(parts[0])] = True
    alone = int((~data.messages()).sum())  # an export's messages again, text only
    with stage(f"training on {len(data)} {'rows' if alone else 'messages'} (5-fold grouped cross-validation)"):
        model = fit(data, seed=seed, max_fpr=max_fpr, threshold_on=threshold_on.value, own_rows=own,
                    card={"seed": seed, "with_default": with_default, "user_weight": weight, "max_fpr": max_fpr,
                          "threshold_on": threshold_on.value})
    mdl.save(model, out)
    try:
        mdl.trust(model.card["sha256"])
    except TrustListError as e:  # the model is written and usable: say how, and still exit 0
        err_console.print(one_line(f"warning: saved {out}, but could not record it as trusted: {e} and train "
                                   "again, or load this model with --trust-model"), highlight=False, markup=False)
    if as_json:
        typer.echo(json.dumps(model.card, indent=2))
        return
    m = model.card["cv"]["metrics"]
    rows = (f"{len(data)} messages" if not alone else
            f"{len(data)} training rows (each labelled message of the export twice, in its context and alone"
            f"{'; and the bundled corpus' if with_default else ''})")
    err_console.print(
        f"wrote {out} and {mdl.card_path(out).name}: {rows}, threshold "
        f"{model.threshold:.3f}; cross-validated precision {m['precision']:.3f}, recall {m['recall']:.3f}, "
        f"F1 {m['f1']:.3f}, ROC-AUC {m.get('roc_auc', float('nan')):.3f}, FPR {m['fpr']:.3f}",
        highlight=False,
    )
    if "own_rows" in model.card["cv"]:  # the corpus's rows, or the text-only copies, are in the numbers above
        mine = model.card["cv"]["own_rows"]
        o = undefined_as_none(mine["metrics"])
        which = "in the export's context" if alone else "alone"
        err_console.print(one_line(
            f"on your {mine['rows']} labelled messages {which} (cross-validated): precision {_fmt(o['precision'])}, "
            f"recall {_fmt(o['recall'])}, ROC-AUC {_fmt(o.get('roc_auc'))}, FPR {_fmt(o['fpr'])}"),
            highlight=False, markup=False)


@app.command()
@reports_errors
def evaluate(
    files: Files = None,
    model_path: ModelOpt = None,
    trust_model: TrustOpt = False,
    labels: LabelsOpt = None,
    threshold: Annotated[float | None, typer.Option("--threshold", "-t", callback=a_share,
                         help="Evaluate at this threshold (default: the model's).", show_default=False)] = None,
    fp_cost: Annotated[float, typer.Option("--fp-cost", callback=a_cost, help="Cost of flagging a personal "
                                           "message, relative to missing an auto-DM: the report "
                                           "gives the threshold that minimises the total.")] = 5.0,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="table for people, json for scripts.")]
    = ReportFormat.table,
    platform: PlatformOpt = None,
    strict: StrictOpt = False,
    follows: FollowsOpt = None,
) -> None:
    """Measure a model on labelled messages it never saw: metrics, confusion, slices, reliability."""
    from autodm import model as mdl
    from autodm.evaluation import evaluate as run_evaluation

    if not files:
        raise InputError("give a labelled table (a scan export with a label column) to evaluate on")
    model = mdl.load(model_path, trust_model=trust_model)
    with stage("reading labels"):
        data = _gather(files, labels, 1.0, platform.value if platform else None, strict, follows)
    if len(data) and min(int((data.y == 0).sum()), int((data.y == 1).sum())) == 0:  # none: evaluate says so
        err_console.print("warning: only one class in the labels; ROC-AUC cannot be computed", highlight=False)
    seen = _seen_in_training(model, data)
    with stage(f"scoring {len(data)} messages"):
        report = run_evaluation(model, data, threshold=threshold, fp_cost=fp_cost)
    report["model"] = str(model.path)
    report["seen_in_training"] = seen
    if fmt == ReportFormat.json:
        typer.echo(json.dumps(report, indent=2))
        return
    print_report(report)


def _seen_in_training(model: Any, data: Labelled) -> int | None:
    """How many of the labelled messages the model was trained on (None: the model does not say),
    with a warning when any: their scores are not held out, and the metrics overstate."""
    import numpy as np

    from autodm import model as mdl

    known = model.training_texts
    if known is None:
        return None
    seen = int(np.isin(mdl.text_fingerprints(data.texts), known).sum())
    if seen:
        share = ("all of these messages were" if seen == len(data)
                 else f"{seen} of these {len(data)} messages {'was' if seen == 1 else 'were'}")
        err_console.print(one_line(
            f"warning: {share} in the model's training data; their scores are not "
            "held out, so these metrics overstate how it does on messages it never saw"),
            highlight=False, markup=False)
    return seen


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def print_report(report: dict[str, Any]) -> None:
    # soft_wrap: a one-line message stays one line (a long model path must not push the threshold
    # onto a line of its own); tables are still laid out to the width
    console = Console(width=max(100, Console().width), soft_wrap=True)
    m = report["metrics"]
    console.print(one_line(f"model {report['model']}: {report['rows']} labelled messages "
                           f"({report['auto']} auto, {report['personal']} personal), "
                           f"threshold {report['threshold']:.3f}"), highlight=False, markup=False)
    rel = Table(title="reliability: share auto among messages scoring ≥ s", box=None)
    for c in ("score ≥", "messages", "share auto"):
        rel.add_column(c, justify="right")
    for r in report["reliability"]:
        rel.add_row(_fmt(r["score_at_least"]), str(r["messages"]), _fmt(r["precision"]))
    console.print(rel)
    c = report["confusion"]
    console.print(f"confusion: auto→auto {c['auto_as_auto']}, auto→personal {c['auto_as_personal']}, "
                  f"personal→auto {c['personal_as_auto']}, personal→personal {c['personal_as_personal']}",
                  highlight=False)
    ct = report["cost_threshold"]
    console.print(f"threshold minimising {ct['fp_cost']:g}×false positives + misses: {ct['threshold']:.3f}",
                  highlight=False)
    if "slices" in report:
        st = Table(title="per slice", box=None)
        for col in ("slice", "messages", "auto", "flagged auto", "ROC-AUC"):
            st.add_column(col, justify="right" if col != "slice" else "left")
        for s in report["slices"]:
            st.add_row(s["slice"], str(s["messages"]), str(s["auto"]), _fmt(s["flagged_auto"]),
                       _fmt(s.get("roc_auc")))
        console.print(st)
    table = Table(title="metrics", box=None)
    for col in ("precision", "recall", "F1", "FPR", "ROC-AUC", "PR-AUC"):
        table.add_column(col, justify="right")
    table.add_row(*(_fmt(m.get(k)) for k in ("precision", "recall", "f1", "fpr", "roc_auc", "pr_auc")))
    console.print(table)
    ci = report.get("intervals")
    if ci:
        ends = ", ".join(f"{name} {ci[key][0]:.3f}-{ci[key][1]:.3f}"
                         for key, name in (("precision", "precision"), ("recall", "recall"), ("fpr", "FPR"),
                                           ("roc_auc", "ROC-AUC")) if ci.get(key))
        console.print(f"{ci['level']:.0%} bootstrap intervals ({ci['resamples']} resamples of these labels): {ends}",
                      highlight=False)


@model_app.command("info")
@reports_errors
def model_info(
    path: Annotated[Path | None, typer.Argument(help="A model file (default: the bundled model).",
                                                show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the card as JSON.")] = False,
) -> None:
    """Print a model's card: data, class balance, cross-validated metrics, threshold, versions."""
    from autodm import model as mdl

    target, card = mdl.model_card(path)
    if not mdl.matches_card(target, card):  # the card of a file changed since: scan would refuse it
        err_console.print(one_line(f"warning: {target}: the file's sha256 does not match this card; it was "
                                   "changed after training, and scan refuses it"), highlight=False, markup=False)
    if as_json or not sys.stdout.isatty():
        typer.echo(json.dumps(card, indent=2))
        return
    # Text, not markup: a card is anyone's JSON ("[/]" in a value crashed rich), printed safe to a terminal
    table = Table(show_header=False, box=None, title=Text(printable(target)))
    for k, v in card.items():
        table.add_row(Text(printable(k), style="bold"),
                      Text(printable(json.dumps(v) if isinstance(v, dict | list) else str(v))))
    Console().print(table)


__all__ = ["evaluate", "model_info", "train"]
