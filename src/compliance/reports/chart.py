"""Findings per month by party, as a stacked bar chart in hand-built SVG: deterministic, no fonts, no scripts."""

from __future__ import annotations

from html import escape

PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#8c564b", "#000000",
           "#999999", "#882255", "#44aa99", "#999933")
W, H = 960, 340
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 40, 56


def colours(parties: list[str]) -> dict[str, str]:
    return {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(parties)}


def _step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if top / step <= 6:
            return step
    return 10 ** len(str(top))


def svg(series: list[str], parties: list[str], got: dict[tuple[str, str], int]) -> str:
    """``series``: every month in order; ``got[(month, party)]``: the number of findings."""
    colour = colours(parties)
    totals = [sum(got.get((m, p), 0) for p in parties) for m in series]
    top = max(totals, default=0) or 1
    step = _step(top)
    ymax = -(-top // step) * step
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    slot = plot_w / max(len(series), 1)
    bar = max(slot * 0.75, 1.0)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
           f'role="img" aria-labelledby="chart-title" class="chart" font-family="sans-serif" font-size="11">',
           '<title id="chart-title">Findings per month by party</title>']
    for k in range(0, ymax + 1, step):
        y = TOP + plot_h - plot_h * k / ymax
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>'
                   f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#444">{k}</text>')
    every = 1 if len(series) <= 24 else 3
    for i, month in enumerate(series):
        x = LEFT + slot * i + (slot - bar) / 2
        y = TOP + plot_h
        for p in parties:
            n = got.get((month, p), 0)
            if not n:
                continue
            h = plot_h * n / ymax
            y -= h
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour[p]}">'
                       f'<title>{escape(month)}: {escape(p)} {n}</title></rect>')
        if (int(month[5:7]) - 1) % every == 0:
            cx = LEFT + slot * (i + 0.5)
            out.append(f'<text x="{cx:.1f}" y="{TOP + plot_h + 10}" text-anchor="end" fill="#444" '
                       f'transform="rotate(-60 {cx:.1f} {TOP + plot_h + 10})">{escape(month)}</text>')
    out.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{W - RIGHT}" y2="{TOP + plot_h}" stroke="#444"/>')
    x = LEFT
    for p in parties:
        out.append(f'<rect x="{x}" y="10" width="12" height="12" fill="{colour[p]}"/>'
                   f'<text x="{x + 16}" y="20" fill="#222">{escape(p)}</text>')
        x += 24 + 7 * len(p)
    out.append("</svg>")
    return "\n".join(out)
