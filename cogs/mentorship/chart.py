"""The /mentor report chart: each mentor's load against their capacity, as a PNG.

Drawn with matplotlib's object API and the Agg canvas (no pyplot, no global state), so it
is safe to run in a worker thread while the bot serves others.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

MOST_BARS = 40  # beyond this the labels are unreadable; the busiest are shown


@dataclass(frozen=True, slots=True)
class MentorLoad:
    label: str
    load: int
    capacity: int

    @property
    def ratio(self) -> float:
        return self.load / self.capacity if self.capacity else 0.0


def load_chart(mentors: Sequence[MentorLoad]) -> bytes:
    shown = sorted(mentors, key=lambda m: (-m.ratio, -m.load, m.label))[:MOST_BARS]
    shown.reverse()  # barh draws bottom-up: the busiest end on top
    height = 1.6 + 0.28 * max(len(shown), 1)
    figure = Figure(figsize=(7.5, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    rows = range(len(shown))
    axes.barh(rows, [m.capacity for m in shown], color="#d9dde3", label="capacity")
    axes.barh(
        rows,
        [m.load for m in shown],
        color=["#c0392b" if m.load >= m.capacity else "#2e86c1" for m in shown],
        height=0.5,
        label="mentees (red: full)",
    )
    axes.set_yticks(list(rows), [m.label[:28] for m in shown], fontsize=8)
    axes.set_xlabel("mentees")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    more = len(mentors) - len(shown)
    title = "Mentor load against capacity"
    if more > 0:
        title += f" (busiest {len(shown)}; {more} more not shown)"
    axes.set_title(title, fontsize=10)
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
