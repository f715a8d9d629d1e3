"""The launch's hop timeline (``pocketstack trace`` drawn): one bar per span on a common
time axis, labelled with its component, host and duration; a failed hop in red with its
detail. Built from compute's ``os-pocketstack-trace`` (admins)."""

from __future__ import annotations

from html import escape
from typing import Any

LABEL_WIDTH = 300
BAR_WIDTH = 560
ROW = 22


def svg(spans: list[dict[str, Any]]) -> str:
    if not spans:
        return ""
    start = min(float(s["started"]) for s in spans)
    end = max(float(s["started"]) + float(s["duration_ms"]) / 1000 for s in spans)
    total = max(end - start, 0.001)
    height = ROW * len(spans) + 30
    width = LABEL_WIDTH + BAR_WIDTH + 90
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="Launch timeline">'
    ]
    for i, span in enumerate(spans):
        y = 10 + ROW * i
        offset = (float(span["started"]) - start) / total * BAR_WIDTH
        length = max(2.0, float(span["duration_ms"]) / 1000 / total * BAR_WIDTH)
        failed = span.get("result") != "ok"
        where = f"{span['component']}@{span['host']}" if span.get("host") else str(span["component"])
        label = f"{span['hop']} · {where}"
        out.append(f'<text class="label" x="0" y="{y + 14}">{escape(label[:44])}</text>')
        out.append(
            f'<rect class="span{" failed" if failed else ""}" x="{LABEL_WIDTH + offset:.1f}" y="{y + 3}" '
            f'width="{length:.1f}" height="{ROW - 8}"><title>{escape(str(span.get("detail") or label))}</title></rect>'
        )
        out.append(
            f'<text class="ms" x="{LABEL_WIDTH + offset + length + 4:.1f}" y="{y + 14}">'
            f"{float(span['duration_ms']):.1f} ms{' ✗' if failed else ''}</text>"
        )
    out.append(
        f'<text class="axis" x="{LABEL_WIDTH}" y="{height - 4}">0</text>'
        f'<text class="axis" x="{LABEL_WIDTH + BAR_WIDTH - 60}" y="{height - 4}">{total * 1000:.0f} ms</text>'
    )
    out.append("</svg>")
    return "".join(out)
