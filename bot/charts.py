"""A PNG bar chart of booked seats against capacity for the coming days.

Uses matplotlib's Agg renderer through a ``Figure`` of its own (no pyplot), so it
needs no display and is safe to call from any thread.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from booking.admin.stats import DayCapacity


@dataclass(frozen=True)
class ChartWords:
    """The chart's words, in the admin's language."""

    capacity: str = "capacity"
    booked: str = "booked"
    closed: str = "closed"
    no_service: str = "no service"
    seats: str = "seats"


def capacity_chart_png(
    series: Sequence[DayCapacity], title: str, words: ChartWords = ChartWords()
) -> bytes:
    """Bars of capacity with the booked part filled in, one per date; PNG bytes.
    A date without sessions has no bar, only a note; the legend sits above the
    plot, clear of the bars."""
    fig = Figure(figsize=(8, 3.6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    labels = [d.day.strftime("%a\n%d/%m") for d in series]
    positions = list(range(len(series)))
    ax.bar(
        positions,
        [d.capacity for d in series],
        color="#d9e2ec",
        edgecolor="#9fb3c8",
        label=words.capacity,
    )
    ax.bar(positions, [d.booked for d in series], color="#2f6fa7", label=words.booked)
    for x, d in zip(positions, series, strict=True):
        if d.closed:
            ax.text(x, 0, words.closed, rotation=90, ha="center", va="bottom", fontsize=7)
        elif d.capacity:
            ax.text(x, d.capacity, f"{d.booked}/{d.capacity}", ha="center", va="bottom", fontsize=7)
        else:
            ax.text(x, 0, words.no_service, rotation=90, ha="center", va="bottom", fontsize=7)
    ax.set_xticks(positions, labels, fontsize=7)
    ax.set_ylabel(words.seats)
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_ylim(0, max([d.capacity for d in series] + [1]) * 1.15)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=7, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
