"""An IVR flow as a picture (PNG) and as chat text, made from the FlowGraph the calls service keeps.

The picture is laid out here, without Graphviz: nodes are put in rows by their BFS depth from the
start node (nodes the start cannot reach get rows of their own at the bottom), an arrow going down
is a straight line when that line clears every box, and any other arrow (a loop back, a link inside
a row, a jump that would cut through a box) leaves its box downwards and goes round the side in a
lane shared by the arrows into the same step, so that arrows cross one another but never a box.
Every word shown comes in FlowPictureLabels, already translated; fonts per script are chosen in
services.bot.fonts. Validating a flow is the calls service's job: whatever graph arrives is drawn,
an arrow to a node that does not exist included.
"""

from __future__ import annotations

import io
import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from services.bot.fonts import draw_text, ellipsize, line_height, text_width, wrap_text
from speechcue.calls.v1 import calls_pb2

MAX_WIDTH = 2000
MAX_HEIGHT = 4000
MAX_TEXT_CHARS = 3500
_FONT_SIZES = (20, 18, 16, 15, 14, 13, 12, 11, 10, 9, 8)
_QUOTE_LIMITS = (60, 40, 24, 12)  # characters of a step's words in the text version

_ENGLISH_KIND_NAMES: dict[int, str] = {
    calls_pb2.NODE_KIND_UNSPECIFIED: "Step",
    calls_pb2.NODE_KIND_MESSAGE: "Message",
    calls_pb2.NODE_KIND_MENU: "Menu",
    calls_pb2.NODE_KIND_COLLECT_DIGITS: "Collect digits",
    calls_pb2.NODE_KIND_TRANSFER: "Transfer",
    calls_pb2.NODE_KIND_END: "End",
}

# (box fill, border and header band) per kind; the legend and the tests read it too.
KIND_COLOURS: dict[int, tuple[str, str]] = {
    calls_pb2.NODE_KIND_MESSAGE: ("#dbeafe", "#2563eb"),
    calls_pb2.NODE_KIND_MENU: ("#fef3c7", "#b45309"),
    calls_pb2.NODE_KIND_COLLECT_DIGITS: ("#ede9fe", "#7c3aed"),
    calls_pb2.NODE_KIND_TRANSFER: ("#dcfce7", "#15803d"),
    calls_pb2.NODE_KIND_END: ("#fee2e2", "#dc2626"),
}
_UNKNOWN_COLOURS = ("#f1f5f9", "#64748b")
_MISSING_COLOURS = ("#ffffff", "#94a3b8")
_BACKGROUND = "#ffffff"
_INK = "#0f172a"
_MUTED = "#64748b"
_ARROW = "#475569"
_BACK_ARROW = "#ea580c"
_START_BORDER = "#0f172a"


@dataclass(frozen=True)
class FlowPictureLabels:
    """The words the picture and the text version show, in the customer's language."""

    kind_names: Mapping[int, str] = field(default_factory=lambda: dict(_ENGLISH_KIND_NAMES))
    start: str = "start"
    key: str = "key pressed"
    back: str = "goes back"
    unreachable: str = "Not reachable from the start"
    missing: str = "missing step"
    max_digits: str = "max digits"
    ends_with: str = "ends with"
    empty: str = "This flow has no steps yet."
    # Words for the special edge keys ("timeout", "no_match", "next"); keys not here show as they are.
    key_names: Mapping[str, str] = field(default_factory=dict)

    def kind_name(self, kind: int) -> str:
        return self.kind_names.get(kind) or _ENGLISH_KIND_NAMES.get(kind) or str(kind)

    def key_name(self, key: str) -> str:
        return self.key_names.get(key) or key


@dataclass
class _Node:
    id: str
    kind: int
    text: str
    details: str
    missing: bool
    depth: int = -1  # BFS depth from the start node; -1 when the start cannot reach it
    row: int = 0
    column: int = 0
    row_length: int = 1

    @property
    def reachable(self) -> bool:
        return self.depth >= 0

    @property
    def offset(self) -> float:
        """Where the node sits in its row, in box widths from the row's centre."""
        return self.column - (self.row_length - 1) / 2


@dataclass
class _Arrow:
    source: _Node
    target: _Node
    keys: list[str]
    side: int  # 0: a straight line down; -1 or +1: round the left or right side
    back: bool  # drawn in the loop colour: it closes a cycle, going up or staying in its row


@dataclass
class _Flow:
    """The graph in display order: what is drawn, before any pixel is placed."""

    nodes: list[_Node]  # BFS order from the start, then unreachable nodes, then missing targets
    start: _Node | None
    edges: list[tuple[_Node, str, _Node]]  # every edge, in the graph's order


def _details(node: calls_pb2.FlowNode, labels: FlowPictureLabels) -> str:
    if node.kind == calls_pb2.NODE_KIND_COLLECT_DIGITS:
        details = f"{labels.max_digits}: {node.max_digits}" if node.max_digits else ""
        if node.termination_key:
            details = f"{details} · {labels.ends_with} {node.termination_key}".strip(" ·")
        return details
    if node.kind == calls_pb2.NODE_KIND_TRANSFER and node.transfer_number:
        return f"→ {node.transfer_number}"
    return ""


def _read_flow(graph: calls_pb2.FlowGraph, labels: FlowPictureLabels) -> _Flow:
    by_id: dict[str, _Node] = {}
    sources: dict[str, calls_pb2.FlowNode] = {}
    for proto_node in graph.nodes:
        if proto_node.id in by_id:
            continue  # the calls service refuses duplicate ids; the first one is drawn
        sources[proto_node.id] = proto_node
        by_id[proto_node.id] = _Node(
            id=proto_node.id, kind=proto_node.kind, text=" ".join(proto_node.text.split()),
            details=_details(proto_node, labels), missing=False,
        )
    missing: dict[str, _Node] = {}
    edges: list[tuple[_Node, str, _Node]] = []
    for node_id, proto_node in sources.items():
        for edge in proto_node.edges:
            target = by_id.get(edge.target_node_id) or missing.get(edge.target_node_id)
            if target is None:
                target = _Node(id=edge.target_node_id, kind=calls_pb2.NODE_KIND_UNSPECIFIED, text="",
                               details="", missing=True)
                missing[edge.target_node_id] = target
            edges.append((by_id[node_id], edge.key, target))

    outgoing: dict[str, list[_Node]] = {}
    for source, _, target in edges:
        outgoing.setdefault(source.id, []).append(target)
    start = by_id.get(graph.start_node_id)
    ordered: list[_Node] = []
    if start is not None:
        start.depth = 0
        queue = deque([start])
        while queue:
            node = queue.popleft()
            ordered.append(node)
            for target in outgoing.get(node.id, []):
                if not target.reachable:
                    target.depth = node.depth + 1
                    queue.append(target)
    ordered += [node for node in by_id.values() if not node.reachable]
    ordered += [node for node in missing.values() if not node.reachable]
    return _Flow(nodes=ordered, start=start, edges=edges)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def describe_flow_text(graph: calls_pb2.FlowGraph, labels: FlowPictureLabels) -> str:
    """The flow as numbered lines for the chat, in the picture's order, at most 3500 characters.

    Each step's words are quoted shorter and shorter until every step fits; only a flow too big
    even then is cut, after its last whole line, with "…".
    """
    flow = _read_flow(graph, labels)
    if not any(not node.missing for node in flow.nodes):
        return labels.empty
    for quote_limit in _QUOTE_LIMITS:
        lines = _describe_lines(flow, labels, quote_limit)
        text = "\n".join(lines)
        if len(text) <= MAX_TEXT_CHARS:
            return text
    kept: list[str] = []
    used = 2  # the closing "\n…"
    for line in lines:
        if used + len(line) + 1 > MAX_TEXT_CHARS:
            break
        kept.append(line)
        used += len(line) + 1
    if not kept:
        return text[: MAX_TEXT_CHARS - 1] + "…"
    return "\n".join(kept) + "\n…"


def _describe_lines(flow: _Flow, labels: FlowPictureLabels, quote_limit: int) -> list[str]:
    outgoing: dict[str, list[str]] = {}
    for source, key, target in flow.edges:
        target_name = f"{target.id} ({labels.missing})" if target.missing else target.id
        outgoing.setdefault(source.id, []).append(f"{labels.key_name(key)} → {target_name}")
    lines: list[str] = []
    shown = [node for node in flow.nodes if not node.missing]
    for number, node in enumerate(shown, start=1):
        line = f"{number}. {labels.kind_name(node.kind)}"
        if node.text:
            line += f' "{_shorten(node.text, quote_limit)}"'
        if node.details:
            line += f" [{node.details}]"
        line += f" ({node.id})"
        if node is flow.start:
            line += f" — {labels.start}"
        elif not node.reachable:
            line += f" — {labels.unreachable}"
        lines.append(line)
        if node.id in outgoing:
            lines.append("    " + ", ".join(outgoing[node.id]))
    return lines


def _chunks(nodes: list[_Node], columns: int) -> list[list[_Node]]:
    """Splits a layer into rows of even length, none longer than columns (9 in 7 columns: 5 + 4)."""
    if not nodes:
        return []
    count = math.ceil(len(nodes) / columns)
    per_row = math.ceil(len(nodes) / count)
    return [nodes[i : i + per_row] for i in range(0, len(nodes), per_row)]


def _place_rows(flow: _Flow, columns: int) -> tuple[list[list[_Node]], int | None]:
    """Rows of at most `columns` nodes, one BFS depth after another; also the first row of
    unreachable nodes, if any."""
    layers: list[list[_Node]] = []
    for node in flow.nodes:
        if node.reachable:
            while len(layers) <= node.depth:
                layers.append([])
            layers[node.depth].append(node)
    unreachable = [node for node in flow.nodes if not node.reachable]
    rows: list[list[_Node]] = []
    for layer in layers:
        rows += _chunks(layer, columns)
    first_unreachable = len(rows) if unreachable else None
    rows += _chunks(unreachable, columns)
    for row_index, row in enumerate(rows):
        for column, node in enumerate(row):
            node.row, node.column, node.row_length = row_index, column, len(row)
    return rows, first_unreachable


def _loops(flow: _Flow) -> set[tuple[str, str]]:
    """The (source, target) pairs whose edge closes a cycle: the target leads back to the source."""
    outgoing: dict[str, set[str]] = {}
    for source, _, target in flow.edges:
        outgoing.setdefault(source.id, set()).add(target.id)
    loops: set[tuple[str, str]] = set()
    for source, _, target in flow.edges:
        seen, queue = {target.id}, deque([target.id])
        while queue and source.id not in seen:
            for following in outgoing.get(queue.popleft(), ()):
                if following not in seen:
                    seen.add(following)
                    queue.append(following)
        if source.id in seen:
            loops.add((source.id, target.id))
    return loops


def _side(source: _Node, target: _Node) -> int:
    """The side an arrow goes round: the one nearer to both its ends."""
    return -1 if source.offset + target.offset < 0 else 1


def _arrows(flow: _Flow, labels: FlowPictureLabels, loops: set[tuple[str, str]]) -> list[_Arrow]:
    """One arrow per (source, target): two keys that lead to the same step share it. Arrows going
    down are straight for now; the ones that would cross a box are sent round the side later."""
    grouped: dict[tuple[str, str], _Arrow] = {}
    for source, key, target in flow.edges:
        arrow = grouped.get((source.id, target.id))
        if arrow is not None:
            arrow.keys.append(labels.key_name(key))
            continue
        side = 0 if target.row > source.row else _side(source, target)
        grouped[(source.id, target.id)] = _Arrow(source, target, [labels.key_name(key)], side,
                                                 back=(source.id, target.id) in loops and target.row <= source.row)
    return list(grouped.values())


@dataclass
class _Geometry:
    """Pixel sizes for one font size."""

    size: int
    small: int
    box_width: int
    box_height: int
    column_gap: int
    padding: int
    text_lines: int
    pill_height: int
    out_step: int
    in_step: int
    lane_step: int
    free_gap: int
    margin: int

    @classmethod
    def for_size(cls, size: int) -> _Geometry:
        small = max(7, round(size * 0.78))
        text_lines = 3 if size >= 12 else 2 if size >= 9 else 1
        padding = max(3, round(size * 0.4))
        header = line_height(size) + round(size * 0.2)
        box_height = header + padding + text_lines * line_height(size) + line_height(small) + padding
        pill_height = line_height(small) + 2
        return cls(
            size=size, small=small, box_width=size * 12, box_height=box_height,
            column_gap=round(size * 1.6), padding=padding, text_lines=text_lines,
            pill_height=pill_height, out_step=pill_height + 2, in_step=max(3, round(size * 0.45)),
            lane_step=max(5, round(size * 0.8)), free_gap=round(size * 3.4), margin=round(size * 1.2),
        )


@dataclass
class _Route:
    arrow: _Arrow
    start: tuple[float, float]  # on the source's bottom edge
    end: tuple[float, float]  # on the target's top edge
    out_y: float = 0.0  # routed arrows: the height of the run from the source to the lane
    lane_x: float = 0.0
    in_y: float = 0.0  # routed arrows: the height of the run from the lane to the target
    label_y: float = 0.0


class _FlowDrawing:
    """Places every box and arrow for one font size, and draws them."""

    def __init__(self, flow: _Flow, labels: FlowPictureLabels, title: str, size: int,
                 loops: set[tuple[str, str]]) -> None:
        self.flow, self.labels, self.title = flow, labels, title
        self.g = g = _Geometry.for_size(size)
        # As many columns as fit in the width limit, leaving room for a few lanes on each side.
        spare = MAX_WIDTH - 2 * g.margin - 2 * (g.size + 6 * g.lane_step) + g.column_gap
        self.rows, self.first_unreachable = _place_rows(flow, max(3, min(10, spare // (g.box_width + g.column_gap))))
        self.arrows = _arrows(flow, labels, loops)
        # Every arrow that crosses a box goes round the side instead; that moves rows down, so
        # check again until no straight arrow crosses a box (each pass only ever reroutes).
        for _ in range(len(self.arrows) + 1):
            self._place()
            crossing = [arrow for arrow in self.arrows if arrow.side == 0 and self._crosses_box(arrow)]
            if not crossing:
                break
            for arrow in crossing:
                arrow.side = _side(arrow.source, arrow.target)

    def _crosses_box(self, arrow: _Arrow) -> bool:
        route = next(route for route in self.routes if route.arrow is arrow)
        (x0, y0), (x1, y1) = route.start, route.end
        clearance = self.g.size * 0.4
        for row in self.rows[arrow.source.row + 1 : arrow.target.row]:
            top = self.row_top[row[0].row] - clearance
            bottom = top + self.g.box_height + 2 * clearance
            at_top = x0 + (x1 - x0) * (top - y0) / (y1 - y0)
            at_bottom = x0 + (x1 - x0) * (bottom - y0) / (y1 - y0)
            for node in row:
                left = self.box_left(node) - clearance
                right = left + self.g.box_width + 2 * clearance
                if max(at_top, at_bottom) >= left and min(at_top, at_bottom) <= right:
                    return True
        return False

    def _place(self) -> None:
        g, flow = self.g, self.flow
        size = g.size
        # Lanes: one per (side, target), so that every loop back to the main menu shares one line.
        spans: dict[tuple[int, str], tuple[int, int, int]] = {}
        for arrow in self.arrows:
            if arrow.side:
                key = (arrow.side, arrow.target.id)
                low = min(arrow.source.row, arrow.target.row)
                high = max(arrow.source.row, arrow.target.row)
                if key in spans:
                    low, high = min(low, spans[key][0]), max(high, spans[key][1])
                spans[key] = (low, high, arrow.target.row)
        self.lane_index: dict[tuple[int, str], int] = {}
        for side in (-1, 1):
            keys = sorted((key for key in spans if key[0] == side),
                          key=lambda key: (spans[key][1] - spans[key][0], spans[key][2], key[1]))
            for index, key in enumerate(keys):
                self.lane_index[key] = index
        lanes_left = sum(1 for side, _ in self.lane_index if side < 0)
        lanes_right = len(self.lane_index) - lanes_left

        # Horizontal placement.
        widest = max((len(row) for row in self.rows), default=1)
        content_width = widest * g.box_width + (widest - 1) * g.column_gap
        left = g.margin + (lanes_left * g.lane_step + g.size if lanes_left else 0)
        right = g.margin + (lanes_right * g.lane_step + g.size if lanes_right else 0)
        width = max(left + content_width + right, size * 30)
        extra = width - (left + content_width + right)
        self.content_left = left + extra // 2
        self.content_right = self.content_left + content_width

        # Which routed arrows leave each row, and which lanes enter it, in the order of their slots.
        self.ports_out: dict[int, float] = {}  # id(arrow) -> x
        self.ports_in: dict[tuple[int, str] | int, float] = {}  # lane key or id(arrow) -> x
        self._assign_ports()
        leaving: dict[int, list[_Arrow]] = {}
        for arrow in self.arrows:
            if arrow.side:
                leaving.setdefault(arrow.source.row, []).append(arrow)
        self.out_slot: dict[int, int] = {}
        for arrows in leaving.values():
            lefts = sorted((a for a in arrows if a.side < 0), key=lambda a: self.ports_out[id(a)])
            rights = sorted((a for a in arrows if a.side > 0), key=lambda a: -self.ports_out[id(a)])
            for slot, arrow in enumerate(lefts + rights):
                self.out_slot[id(arrow)] = slot
        entering: dict[int, list[tuple[int, str]]] = {}
        targets = {node.id: node for node in flow.nodes}
        for key in self.lane_index:
            entering.setdefault(targets[key[1]].row, []).append(key)
        self.in_slot: dict[tuple[int, str], int] = {}
        for keys in entering.values():
            lefts_in = sorted((k for k in keys if k[0] < 0), key=lambda k: self.ports_in[k])
            rights_in = sorted((k for k in keys if k[0] > 0), key=lambda k: -self.ports_in[k])
            for slot, key in enumerate(lefts_in + rights_in):
                self.in_slot[key] = slot
        out_count = {row: len(arrows) for row, arrows in leaving.items()}
        in_count = {row: len(keys) for row, keys in entering.items()}

        # Vertical placement.
        self.title_size = round(size * 1.25)
        self.title_lines = wrap_text(self.title, self.title_size, width - 2 * g.margin, max_lines=2, bold=True)
        y: float = g.margin + len(self.title_lines) * line_height(self.title_size) + g.size
        self.row_top: list[float] = []
        self.free_top: list[float] = []
        self.separator_y: float | None = None
        for row in range(len(self.rows)):
            if row == self.first_unreachable and row > 0:
                self.separator_y = y
                y += line_height(g.small) + g.size
            y += self._band(in_count.get(row, 0), g.in_step)
            self.row_top.append(y)
            y += g.box_height
            y += self._band(out_count.get(row, 0), g.out_step)
            self.free_top.append(y)
            y += g.free_gap if row < len(self.rows) - 1 else g.margin
        if not self.rows:
            y += line_height(size) + g.margin
        self.width = round(width)
        self.legend_top = y
        self.legend_lines = self._legend_lines()
        self.height = round(y + len(self.legend_lines) * (line_height(g.small) + g.padding) + g.margin)
        self.routes = [self._route(arrow) for arrow in self.arrows]

    def _band(self, count: int, step: int) -> float:
        return count * step + self.g.size * 0.5 if count else 0.0

    def box_left(self, node: _Node) -> float:
        g = self.g
        row_width = node.row_length * g.box_width + (node.row_length - 1) * g.column_gap
        row_left = self.content_left + (self.content_right - self.content_left - row_width) / 2
        return row_left + node.column * (g.box_width + g.column_gap)

    def lane_x(self, key: tuple[int, str]) -> float:
        g = self.g
        index = self.lane_index[key]
        if key[0] < 0:
            return self.content_left - g.size * 0.6 - index * g.lane_step
        return self.content_right + g.size * 0.6 + index * g.lane_step

    def _assign_ports(self) -> None:
        """Spreads arrow ends along the bottom (leaving) and top (arriving) edges of each box, in
        the order that keeps them from crossing near the box."""
        leaving: dict[str, list[_Arrow]] = {}
        arriving: dict[str, list[tuple[float, tuple[int, str] | int]]] = {}
        for arrow in self.arrows:
            leaving.setdefault(arrow.source.id, []).append(arrow)
            if arrow.side == 0:
                arriving.setdefault(arrow.target.id, []).append((arrow.source.offset, id(arrow)))
        for side, target_id in self.lane_index:
            arriving.setdefault(target_id, []).append((math.inf * side, (side, target_id)))
        nodes = {node.id: node for node in self.flow.nodes}
        for source_id, arrows in leaving.items():
            def order(arrow: _Arrow) -> tuple[int, float]:
                if arrow.side == 0:
                    return (1, arrow.target.offset)
                lane = self.lane_index[(arrow.side, arrow.target.id)]
                return (0, -lane) if arrow.side < 0 else (2, lane)

            arrows.sort(key=order)
            left = self.box_left(nodes[source_id])
            for index, arrow in enumerate(arrows):
                self.ports_out[id(arrow)] = left + self.g.box_width * (index + 1) / (len(arrows) + 1)
        for target_id, ends in arriving.items():
            ends.sort(key=lambda end: end[0])
            left = self.box_left(nodes[target_id])
            for index, (_, end) in enumerate(ends):
                self.ports_in[end] = left + self.g.box_width * (index + 1) / (len(ends) + 1)

    def _route(self, arrow: _Arrow) -> _Route:
        g = self.g
        source_bottom = self.row_top[arrow.source.row] + g.box_height
        start = (self.ports_out[id(arrow)], source_bottom)
        if arrow.side == 0:
            end = (self.ports_in[id(arrow)], self.row_top[arrow.target.row])
            # Neighbouring arrows put their labels at two heights, so that a fan of them stays legible.
            index = sorted(self.ports_out[id(a)] for a in self.arrows if a.source is arrow.source).index(start[0])
            label_y = self.free_top[arrow.source.row] + g.free_gap * (0.32 if index % 2 == 0 else 0.68)
            return _Route(arrow, start, end, label_y=label_y)
        key = (arrow.side, arrow.target.id)
        end = (self.ports_in[key], self.row_top[arrow.target.row])
        out_y = source_bottom + g.size * 0.5 + (self.out_slot[id(arrow)] + 0.5) * g.out_step
        in_y = end[1] - g.size * 0.5 - self.in_slot[key] * g.in_step
        return _Route(arrow, start, end, out_y=out_y, lane_x=self.lane_x(key), in_y=in_y, label_y=out_y)

    def _legend_lines(self) -> list[list[tuple[str, str]]]:
        """Legend entries ("kind" with its kind, "key", "back"), wrapped to the picture's width."""
        present = {node.kind for node in self.flow.nodes if not node.missing}
        entries: list[tuple[str, str]] = [
            ("kind", str(kind)) for kind in KIND_COLOURS if kind in present
        ]
        if calls_pb2.NODE_KIND_UNSPECIFIED in present or any(k not in KIND_COLOURS for k in present):
            entries.append(("kind", str(calls_pb2.NODE_KIND_UNSPECIFIED)))
        if self.arrows:
            entries.append(("key", ""))
        if any(arrow.back for arrow in self.arrows):
            entries.append(("back", ""))
        lines: list[list[tuple[str, str]]] = [[]]
        used = 0.0
        for entry in entries:
            width = self._legend_entry_width(entry)
            if lines[-1] and used + width > self.width - 2 * self.g.margin:
                lines.append([])
                used = 0.0
            lines[-1].append(entry)
            used += width
        return [line for line in lines if line]

    def _legend_text(self, entry: tuple[str, str]) -> str:
        kind, value = entry
        if kind == "kind":
            return self.labels.kind_name(int(value))
        return self.labels.key if kind == "key" else self.labels.back

    def _legend_entry_width(self, entry: tuple[str, str]) -> float:
        g = self.g
        marker = g.small * 1.3 if entry[0] == "kind" else g.small * 4.2
        return marker + g.small * 0.5 + text_width(self._legend_text(entry), g.small) + g.size * 1.5

    # Drawing.

    def draw(self) -> Image.Image:
        g = self.g
        image = Image.new("RGB", (self.width, self.height), _BACKGROUND)
        draw = ImageDraw.Draw(image)
        y = float(g.margin)
        for line in self.title_lines:
            draw_text(draw, (g.margin, y), line, self.title_size, fill=_INK, bold=True)
            y += line_height(self.title_size)
        if not self.rows:
            draw_text(draw, (g.margin, y + g.size), self.labels.empty, g.size, fill=_MUTED)
        if self.separator_y is not None:
            # Between the lanes, so that no arrow runs through the words.
            label = ellipsize(self.labels.unreachable, g.small, self.content_right - self.content_left)
            used = draw_text(draw, (self.content_left, self.separator_y), label, g.small, fill=_MUTED)
            line_y = self.separator_y + line_height(g.small) / 2
            _dashed(draw, (self.content_left + used + g.size * 0.5, line_y), (self.content_right, line_y), _MUTED)
        for route in self.routes:
            self._draw_arrow(draw, route)
        for node in self.flow.nodes:
            self._draw_box(draw, node)
        for route in self.routes:
            self._draw_label(draw, route)
        self._draw_legend(draw)
        return image

    def _draw_arrow(self, draw: ImageDraw.ImageDraw, route: _Route) -> None:
        colour = _BACK_ARROW if route.arrow.back else _ARROW
        if route.arrow.side == 0:
            points = [route.start, route.end]
        else:
            points = [
                route.start, (route.start[0], route.out_y), (route.lane_x, route.out_y),
                (route.lane_x, route.in_y), (route.end[0], route.in_y), route.end,
            ]
        _arrow_line(draw, points, colour, width=max(1, round(self.g.size / 9)), head=max(5.0, self.g.size * 0.5))

    def _draw_label(self, draw: ImageDraw.ImageDraw, route: _Route) -> None:
        g = self.g
        text = ellipsize(" · ".join(route.arrow.keys), g.small, g.box_width * 0.9)
        width = text_width(text, g.small) + g.small
        if route.arrow.side == 0:
            (x0, y0), (x1, y1) = route.start, route.end
            x = x0 + (x1 - x0) * (route.label_y - y0) / (y1 - y0)
        else:
            x = (route.start[0] + route.lane_x) / 2
        colour = _BACK_ARROW if route.arrow.back else _ARROW
        top = route.label_y - g.pill_height / 2
        draw.rounded_rectangle((x - width / 2, top, x + width / 2, top + g.pill_height),
                               radius=g.pill_height / 2, fill=_BACKGROUND, outline=colour, width=1)
        draw_text(draw, (x - width / 2 + g.small / 2, top + 1), text, g.small, fill=_INK if not route.arrow.back
                  else colour)

    def _draw_box(self, draw: ImageDraw.ImageDraw, node: _Node) -> None:
        g = self.g
        left, top = self.box_left(node), self.row_top[node.row]
        right, bottom = left + g.box_width, top + g.box_height
        fill, border = _MISSING_COLOURS if node.missing else KIND_COLOURS.get(node.kind, _UNKNOWN_COLOURS)
        is_start = node is self.flow.start
        radius = g.size * 0.6
        draw.rounded_rectangle((left, top, right, bottom), radius=radius, fill=fill, outline=border,
                               width=max(1, round(g.size / 10)))
        header_bottom = top + line_height(g.size) + round(g.size * 0.2)
        draw.rounded_rectangle((left, top, right, header_bottom), radius=radius, fill=border,
                               corners=(True, True, False, False))
        inner = g.box_width - 2 * g.padding
        header_top = top + round(g.size * 0.1)
        badge = ""
        if is_start:
            badge = ellipsize(f"▶ {self.labels.start}", g.small, inner * 0.45, bold=True)
            badge_width = text_width(badge, g.small, bold=True) + g.small
            badge_left = right - g.padding - badge_width
            draw.rounded_rectangle((badge_left, header_top + 1, right - g.padding, header_bottom - 2),
                                   radius=g.small / 2, fill=_BACKGROUND)
            draw_text(draw, (badge_left + g.small / 2, header_top + (g.size - g.small) / 2 + 1), badge,
                      g.small, fill=_INK, bold=True)
            inner_header = inner - badge_width - g.padding
        else:
            inner_header = inner
        kind_name = "?" if node.missing else self.labels.kind_name(node.kind)
        draw_text(draw, (left + g.padding, header_top), ellipsize(kind_name, g.size, inner_header, bold=True),
                  g.size, fill="#ffffff", bold=True)
        y = header_bottom + g.padding / 2
        if node.missing:
            body = [ellipsize(self.labels.missing, g.size, inner)]
            detail_lines: list[str] = []
        else:
            detail_lines = [ellipsize(node.details, g.size, inner)] if node.details else []
            text_lines = max(1, g.text_lines - len(detail_lines))
            body = wrap_text(node.text, g.size, inner, max_lines=text_lines) if node.text else []
        for line in body:
            draw_text(draw, (left + g.padding, y), line, g.size, fill=_INK)
            y += line_height(g.size)
        for line in detail_lines:
            draw_text(draw, (left + g.padding, y), line, g.size, fill=_MUTED)
            y += line_height(g.size)
        draw_text(draw, (left + g.padding, bottom - g.padding - line_height(g.small)),
                  ellipsize(node.id or "—", g.small, inner), g.small, fill=_MUTED)
        if is_start:
            draw.rounded_rectangle((left - 2, top - 2, right + 2, bottom + 2), radius=radius + 2,
                                   outline=_START_BORDER, width=max(2, round(g.size / 7)))

    def _draw_legend(self, draw: ImageDraw.ImageDraw) -> None:
        g = self.g
        y = self.legend_top
        for line in self.legend_lines:
            x = float(g.margin)
            middle = y + line_height(g.small) / 2
            for entry in line:
                kind, value = entry
                if kind == "kind":
                    fill, border = KIND_COLOURS.get(int(value), _UNKNOWN_COLOURS)
                    swatch = g.small * 1.3
                    draw.rounded_rectangle((x, middle - swatch / 2, x + swatch, middle + swatch / 2),
                                           radius=swatch / 4, fill=fill, outline=border, width=2)
                    x += swatch
                else:
                    colour = _BACK_ARROW if kind == "back" else _ARROW
                    _arrow_line(draw, [(x, middle), (x + g.small * 4.2, middle)], colour,
                                width=max(1, round(g.size / 9)), head=max(5.0, g.size * 0.5))
                    if kind == "key":
                        pill = text_width("1", g.small) + g.small
                        pill_left = x + g.small * 1.4
                        draw.rounded_rectangle((pill_left, middle - g.pill_height / 2, pill_left + pill,
                                                middle + g.pill_height / 2), radius=g.pill_height / 2,
                                               fill=_BACKGROUND, outline=colour)
                        draw_text(draw, (pill_left + g.small / 2, middle - g.pill_height / 2 + 1), "1",
                                  g.small, fill=_INK)
                    x += g.small * 4.2
                x += g.small * 0.5
                x += draw_text(draw, (x, y), self._legend_text(entry), g.small, fill=_MUTED)
                x += g.size * 1.5
            y += line_height(g.small) + g.padding


def _arrow_line(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], colour: str, *, width: int,
                head: float) -> None:
    """A polyline ending in a filled arrowhead at its last point."""
    (x0, y0), (x1, y1) = points[-2], points[-1]
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    dx, dy = (x1 - x0) / length, (y1 - y0) / length
    base = (x1 - dx * head, y1 - dy * head)
    draw.line([*points[:-1], base], fill=colour, width=width, joint="curve")
    spread = head * 0.45
    draw.polygon([(x1, y1), (base[0] - dy * spread, base[1] + dx * spread),
                  (base[0] + dy * spread, base[1] - dx * spread)], fill=colour)


def _dashed(draw: ImageDraw.ImageDraw, start: tuple[float, float], end: tuple[float, float], colour: str) -> None:
    (x0, y), (x1, _) = start, end
    x = x0
    while x < x1:
        draw.line([(x, y), (min(x + 8, x1), y)], fill=colour, width=1)
        x += 14


def render_flow_png(graph: calls_pb2.FlowGraph, *, title: str, labels: FlowPictureLabels) -> bytes:
    """The flow as a PNG of at most 2000×4000 pixels: text and boxes shrink as the flow grows."""
    flow = _read_flow(graph, labels)
    loops = _loops(flow)
    drawing: _FlowDrawing | None = None
    for size in _FONT_SIZES:
        drawing = _FlowDrawing(flow, labels, title, size, loops)
        if drawing.width <= MAX_WIDTH and drawing.height <= MAX_HEIGHT:
            break
    assert drawing is not None
    image = drawing.draw()
    if image.width > MAX_WIDTH or image.height > MAX_HEIGHT:
        # Past the smallest legible size: scale the whole picture down rather than cut it.
        scale = min(MAX_WIDTH / image.width, MAX_HEIGHT / image.height)
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))),
                             Image.Resampling.LANCZOS)
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()
