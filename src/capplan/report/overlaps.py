"""Text that overlaps in a chart, measured on the drawn figure (for tests).

Measuring every text box costs about a third more drawing time, so it is off unless a
test turns :data:`CHECK` on; the pairs found go to :data:`FOUND`.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.text import Text

CHECK = False  # tests turn it on: measuring every text box costs ~30% more time
FOUND: list[tuple[str, str]] = []  # text pairs drawn on top of each other (for tests)


def _drawn_texts(fig: Figure) -> list[Text]:
    """The texts a drawn figure shows: titles, labels, annotations, legends and the tick
    labels of ticks inside the view (matplotlib keeps labels of the others, undrawn)."""
    texts: list[Text] = [*fig.texts]
    for legend in fig.legends:
        texts += legend.get_texts()
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += [ax.title, *ax.texts]
        texts += [getattr(ax, name) for name in ("_left_title", "_right_title")]
        for axis in (ax.xaxis, ax.yaxis):
            texts.append(axis.label)
            for tick in getattr(axis, "_update_ticks")():  # noqa: B009  (private: ticks drawn)
                texts += [tick.label1, tick.label2]
        own = ax.get_legend()
        if own is not None:
            texts += own.get_texts()
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def text_overlaps(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes overlap by more than a pixel each way."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _drawn_texts(fig)]
    out = []
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            w = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            h = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if w > 1 and h > 1:
                out.append((a, b))
    return out
