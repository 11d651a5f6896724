"""Checks of how a page is laid out, shared by the browser tests that run at phone width."""

from __future__ import annotations

#: What on the page reaches past the right edge of the screen, outside any box that scrolls
#: sideways by itself (a heatmap, a wide table may: WCAG 1.4.10 exempts two-dimensional content).
#: Such content either makes the page scroll sideways or is cut off; both count.
SIDEWAYS = """() => {
  const edge = document.documentElement.clientWidth + 1;
  const scrolls = (node) => {
    for (let up = node; up; up = up.parentElement) {
      const x = getComputedStyle(up).overflowX;
      if ((x === "auto" || x === "scroll") && up.clientWidth < document.documentElement.clientWidth) {
        return true;
      }
    }
    return false;
  };
  const past = [];
  for (const node of document.querySelectorAll('[data-testid="stMain"] *')) {
    const box = node.getBoundingClientRect();
    if (box.width > 0 && box.height > 0 && box.right > edge && !scrolls(node)) {
      past.push(`${node.tagName.toLowerCase()}${node.dataset.testid ? "[" + node.dataset.testid + "]" : ""}`
                + ` to ${Math.round(box.right)} px`);
    }
  }
  return past.slice(0, 5);
}"""
