"""The records of :func:`~bonas.evaluation.evaluate_surrogates`: means over repeats, a markdown
table, CSV files and the two figures (Kendall τ against training-set size; reliability)."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bonas.evaluation.metrics import METRICS, NOMINAL_LEVELS

__all__ = [
    "GROUP_KEYS",
    "SurrogateEvaluation",
    "plot_kendall_tau",
    "plot_reliability",
    "summarize",
    "to_markdown",
    "write_csv",
]

#: What a row of the summary is the mean over repeats of.
GROUP_KEYS: tuple[str, ...] = (
    "table",
    "mode",
    "target_transform",
    "surrogate",
    "encoding",
    "train_size",
)


def _mean(values: Iterable[Any]) -> float | None:
    kept = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return float(np.mean(kept)) if kept else None


def summarize(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per :data:`GROUP_KEYS` group: ``n_runs``, the mean of every metric over the
    runs, ``kendall_tau_sd`` (the standard deviation over runs, ``None`` for one run) and
    ``calibration`` (the mean observed coverage at each nominal level, or ``None``), in the
    order the groups first appear.

    Example:
        >>> rows = summarize([
        ...     {"table": "t", "mode": "mean", "target_transform": "none", "surrogate": "gp",
        ...      "encoding": "path", "train_size": 10, "kendall_tau": 0.5},
        ...     {"table": "t", "mode": "mean", "target_transform": "none", "surrogate": "gp",
        ...      "encoding": "path", "train_size": 10, "kendall_tau": 0.7},
        ... ])
        >>> rows[0]["n_runs"], round(rows[0]["kendall_tau"], 3)
        (2, 0.6)
    """
    groups: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {}
    for record in records:
        groups.setdefault(tuple(record.get(k) for k in GROUP_KEYS), []).append(record)
    rows = []
    for key, runs in groups.items():
        row: dict[str, Any] = dict(zip(GROUP_KEYS, key, strict=True))
        row["n_runs"] = len(runs)
        for metric in METRICS:
            row[metric] = _mean(r.get(metric) for r in runs)
        taus = [float(r["kendall_tau"]) for r in runs if r.get("kendall_tau") is not None]
        row["kendall_tau_sd"] = float(np.std(taus, ddof=1)) if len(taus) > 1 else None
        curves = [r["calibration"] for r in runs if r.get("calibration")]
        row["calibration"] = np.mean(curves, axis=0).tolist() if curves else None
        rows.append(row)
    return rows


def _cell(value: Any, metric: str) -> str:
    if value is None:
        return "—"
    if metric in ("fit_seconds", "predict_seconds_per_1000"):
        return f"{value:.3g}"
    return f"{value:.3f}"


def to_markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    """The summary rows as a markdown table, one column per metric (named as in the CSV)."""
    varying = [k for k in GROUP_KEYS if len({r[k] for r in rows}) > 1 or k == "surrogate"]
    if "encoding" not in varying:
        varying.insert(varying.index("surrogate") + 1, "encoding")
    if "train_size" not in varying:
        varying.append("train_size")
    head = [*varying, "n_runs", "kendall_tau", "kendall_tau_sd", *METRICS[1:]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [str(row[k]) if row[k] != "" else "—" for k in varying]
        cells.append(str(row["n_runs"]))
        cells += [_cell(row.get(m), m) for m in head[len(varying) + 1 :]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_csv(rows: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Write ``rows`` (records or summary rows) to ``path``: one column per key, one per
    metric named for it; lists (the calibration curve) become one column per nominal level
    (``calibration_0.9``); ``None`` becomes an empty cell."""
    path = Path(path)
    columns: list[str] = []
    flat_rows = []
    for row in rows:
        flat: dict[str, Any] = {}
        for key, value in row.items():
            if key == "calibration":
                observed = value or [None] * len(NOMINAL_LEVELS)
                for level, v in zip(NOMINAL_LEVELS, observed, strict=True):
                    flat[f"calibration_{level:g}"] = v
            else:
                flat[key] = value
        for key in flat:
            if key not in columns:
                columns.append(key)
        flat_rows.append(flat)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for flat in flat_rows:
            writer.writerow({k: "" if flat.get(k) is None else flat.get(k) for k in columns})
    return path


def _panels(rows: Sequence[Mapping[str, Any]]) -> dict[tuple[Any, ...], list[Mapping[str, Any]]]:
    panels: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        panels.setdefault((row["table"], row["mode"], row["target_transform"]), []).append(row)
    return panels


def _title(key: tuple[Any, ...]) -> str:
    table, mode, transform = key
    return f"{table}, {mode} mode" + ("" if transform == "none" else f", {transform} targets")


_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_STYLES: tuple[Any, ...] = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)))


def plot_kendall_tau(rows: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Kendall τ (mean ± standard error over repeats) against training-set size, one line per
    surrogate × encoding, one panel per table and mode; proxies as horizontal dashed lines.

    Raises:
        MissingDependencyError: if matplotlib is not installed.
    """
    from bonas.report import new_figure

    panels = _panels(rows)
    fig = new_figure((10.0, 4.2 * len(panels) + 0.8))
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    surrogates = list(dict.fromkeys(r["surrogate"] for r in rows if r["train_size"] > 0))
    encodings = list(dict.fromkeys(r["encoding"] for r in rows if r["train_size"] > 0))
    colors = {s: f"C{i % 10}" for i, s in enumerate(surrogates)}
    for ax, (key, panel) in zip(axes, panels.items(), strict=True):
        lines: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
        for row in panel:
            lines.setdefault((row["surrogate"], row["encoding"]), []).append(row)
        for k, ((sur, enc), line) in enumerate(lines.items()):
            if line[0]["train_size"] == 0:  # a proxy: trained on nothing
                tau = line[0]["kendall_tau"]
                ax.axhline(
                    tau,
                    color=f"C{(len(surrogates) + k) % 10}",
                    ls="--",
                    lw=1.2,
                    label=f"{sur} (proxy)",
                )
                continue
            line = sorted(line, key=lambda r: r["train_size"])
            x = [r["train_size"] for r in line]
            y = [r["kendall_tau"] for r in line]
            err = [(r["kendall_tau_sd"] or 0.0) / math.sqrt(r["n_runs"]) for r in line]
            j = encodings.index(enc)
            ax.errorbar(
                x,
                y,
                yerr=err,
                color=colors[sur],
                ls=_STYLES[j % len(_STYLES)],
                marker=_MARKERS[j % len(_MARKERS)],
                ms=4,
                capsize=2,
                lw=1.2,
                label=f"{sur} · {enc}",
            )
        ax.set_xscale("log")
        sizes = sorted({r["train_size"] for r in panel if r["train_size"] > 0})
        ax.set_xticks(sizes, [str(s) for s in sizes])
        ax.minorticks_off()
        ax.set_xlabel("training-set size (classes)")
        ax.set_ylabel("Kendall τ on held-out classes")
        ax.set_title(_title(key))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.savefig(path)
    return Path(path)


def plot_reliability(
    rows: Sequence[Mapping[str, Any]],
    path: str | Path,
    *,
    train_sizes: Sequence[int] | None = None,
) -> Path:
    """Observed against nominal coverage of the central predictive intervals, one line per
    surrogate × encoding, one panel per training-set size (columns) and table and mode (rows).
    A calibrated model lies on the diagonal; below it, its intervals are too narrow.

    Raises:
        MissingDependencyError: if matplotlib is not installed.
    """
    from bonas.report import new_figure

    rows = [r for r in rows if r.get("calibration") and r["train_size"] > 0]
    sizes = sorted({r["train_size"] for r in rows})
    if train_sizes is not None:
        sizes = [s for s in sizes if s in set(train_sizes)]
    panels = _panels(rows) or {("", "", "none"): []}
    n_cols = max(len(sizes), 1)
    fig = new_figure((2.6 * n_cols + 1.0, 2.7 * len(panels) + 0.9))
    axes = fig.subplots(len(panels), n_cols, squeeze=False, sharex=True, sharey=True)
    surrogates = list(dict.fromkeys(r["surrogate"] for r in rows))
    encodings = list(dict.fromkeys(r["encoding"] for r in rows))
    for i, (key, panel) in enumerate(panels.items()):
        for j, size in enumerate(sizes or [0]):
            ax = axes[i, j]
            ax.plot([0, 1], [0, 1], color="0.6", lw=0.8)
            for row in panel:
                if row["train_size"] != size:
                    continue
                e = encodings.index(row["encoding"])
                ax.plot(
                    NOMINAL_LEVELS,
                    row["calibration"],
                    color=f"C{surrogates.index(row['surrogate']) % 10}",
                    ls=_STYLES[e % len(_STYLES)],
                    marker=_MARKERS[e % len(_MARKERS)],
                    ms=3,
                    lw=1.0,
                    label=f"{row['surrogate']} · {row['encoding']}",
                )
            ax.set_title(f"{_title(key)}\n{size} training classes", fontsize=8)
            ax.grid(True, alpha=0.3)
            if i == len(panels) - 1:
                ax.set_xlabel("nominal coverage")
            if j == 0:
                ax.set_ylabel("observed coverage")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if handles:
        fig.legend(
            handles, labels, loc="outside lower center", ncol=min(len(labels), 4), fontsize=7
        )
    fig.savefig(path)
    return Path(path)


@dataclass(frozen=True)
class SurrogateEvaluation:
    """What :func:`~bonas.evaluation.evaluate_surrogates` returns: one record per run.

    A record holds ``table``, ``mode``, ``target_transform``, ``surrogate``, ``encoding``
    (``""`` for a proxy), ``train_size`` (0 for a proxy), ``repeat``, ``n_test`` (the held-out
    classes), the metrics (:data:`~bonas.evaluation.METRICS`; ``None`` where one does not
    apply) and ``calibration`` (the observed coverage at each of
    :data:`~bonas.evaluation.metrics.NOMINALNOMINAL_LEVELS`; a proxy has none).
    """

    records: tuple[dict[str, Any], ...]

    def summary(self) -> list[dict[str, Any]]:
        """The means over repeats (:func:`summarize`)."""
        return summarize(self.records)

    def to_markdown(self) -> str:
        """The summary as a markdown table (:func:`to_markdown`)."""
        return to_markdown(self.summary())

    def write_csv(self, path: str | Path, *, runs: bool = False) -> Path:
        """Write the summary (or, with ``runs=True``, every record) as CSV (:func:`write_csv`)."""
        return write_csv(list(self.records) if runs else self.summary(), path)
