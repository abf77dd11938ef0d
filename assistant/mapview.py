"""The concept map drawn for the page: an SVG picture (a spring layout, drawn here so the page
needs no script from anywhere) and one concept's card in Markdown."""

from __future__ import annotations

import math
from html import escape

import numpy as np

from .concepts import ConceptMap
from .sanitize import page_text
from .textnorm import blockquote

WIDTH, HEIGHT, MARGIN = 760, 480, 70
QUOTES = ("“", '"', "‘")


def layout(names: list[str], edges: list[tuple[int, int, float]], seed: int = 7,
           rounds: int = 300) -> np.ndarray:
    """Fruchterman-Reingold positions in [0, 1]²: linked ideas near, all others apart."""
    n = len(names)
    if n == 0:
        return np.zeros((0, 2))
    if n == 1:
        return np.array([[0.5, 0.5]])
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-1.0, 1.0, (n, 2))
    weight = np.zeros((n, n))
    for a, b, w in edges:
        weight[a, b] = weight[b, a] = w
    k = math.sqrt(4.0 / n)
    step = 0.2
    for _ in range(rounds):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=2), 0.01)
        force = k * k / dist - weight * dist * dist / k  # push apart, pull along links
        np.fill_diagonal(force, 0.0)
        move = (delta / dist[:, :, None] * force[:, :, None]).sum(axis=1)
        move -= pos * 0.05  # a little gravity: nothing drifts off
        length = np.maximum(np.linalg.norm(move, axis=1), 1e-9)
        pos += move / length[:, None] * np.minimum(length, step)[:, None]
        step = max(step * 0.985, 0.005)
    low, high = pos.min(axis=0), pos.max(axis=0)
    return (pos - low) / np.where(high - low > 0, high - low, 1.0)


def map_svg(built: ConceptMap | None, chosen: str | None = None) -> str:
    if built is None or not built.concepts:
        return ("<p id='map-empty'>No map of the essays' ideas yet. It is made when the "
                "essays are indexed (<code>reflect ingest</code>).</p>")
    names = [c.name for c in built.concepts]
    at = {name: i for i, name in enumerate(names)}
    edges = [(at[link.a], at[link.b], min(1.0, 0.4 + 0.3 * len(link.evidence)))
             for link in built.links if link.a in at and link.b in at]
    xy = layout(names, edges)
    x = MARGIN + xy[:, 0] * (WIDTH - 2 * MARGIN)
    y = 30 + xy[:, 1] * (HEIGHT - 60)
    parts = [f"<svg id='concept-map' viewBox='0 0 {WIDTH} {HEIGHT}' role='img' "
             f"aria-label='A map of {len(names)} ideas in the essays and how they link' "
             "xmlns='http://www.w3.org/2000/svg' style='width:100%;height:auto'>"]
    for a, b, w in edges:
        parts.append(f"<line x1='{x[a]:.1f}' y1='{y[a]:.1f}' x2='{x[b]:.1f}' y2='{y[b]:.1f}' "
                     f"stroke='#8aa1b8' stroke-opacity='{0.25 + 0.4 * w:.2f}' "
                     f"stroke-width='{1 + 1.5 * w:.1f}'/>")
    for i, concept in enumerate(built.concepts):
        r = 5 + 3 * math.sqrt(concept.named_by)
        fill = "#c07a2c" if concept.name == chosen else "#5b7fa6"
        parts.append(
            f"<g class='node' data-concept='{escape(concept.name, quote=True)}'>"
            f"<title>{escape(concept.definition.text)}</title>"
            f"<circle cx='{x[i]:.1f}' cy='{y[i]:.1f}' r='{r:.1f}' fill='{fill}' "
            f"fill-opacity='0.85'/>"
            f"<text x='{x[i]:.1f}' y='{y[i] - r - 4:.1f}' text-anchor='middle' "
            f"font-size='13' fill='currentColor'>{escape(concept.name)}</text></g>")
    parts.append("</svg>")
    return "".join(parts)


def concept_markdown(built: ConceptMap | None, name: str | None) -> str:
    """One concept: its definition (a quote), its links, the passages that say what it is
    and how many others name it."""
    concept = built.concept(name) if built is not None and name else None
    if concept is None:
        return "*Choose an idea to see what the essays say of it.*"
    d = concept.definition
    lines = [f"### {concept.name}", blockquote(d.text),
             f"— *{d.essay}*{', ' + d.section if d.section else ''}"]
    if concept.also:
        lines.append(f"Also written as: {', '.join(concept.also)}")
    links = built.links_of(concept.name) if built is not None else []
    if links:
        lines.append("#### Linked in the text to")
        for link in links:
            other = link.b if link.a == concept.name else link.a
            said = " ".join(link.evidence[0].text.split())
            lines.append(f"- **{other}**: {said if said.startswith(QUOTES) else f'“{said}”'}")
    lines.append("#### Where the text says what it is")
    for quote in concept.passages:
        lines.append(f"*{quote.essay}{' — ' + quote.section if quote.section else ''}*")
        lines.append(blockquote(quote.text))
    if (more := concept.mentions - len(concept.passages)) > 0:
        lines.append(f"*Named in {more} other passage{'s' if more > 1 else ''}: ask about "
                     f"{concept.name} to hear what {'they say' if more > 1 else 'it says'}.*")
    return page_text("\n\n".join(lines))  # the corpus's words: shown, never run
