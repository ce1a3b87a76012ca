"""The bot's pictures: flow diagrams, their text version, outcome charts, and the fonts behind them.

Checked through what a person would see: the PNG opens, fits the size limits, and has the boxes
and bars where the data says; the text version names every step and edge. Never exact bytes.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageColor, ImageDraw, ImageFont, features

from services.bot import fonts
from services.bot.flow_picture import (
    KIND_COLOURS,
    MAX_HEIGHT,
    MAX_TEXT_CHARS,
    MAX_WIDTH,
    FlowPictureLabels,
    describe_flow_text,
    render_flow_png,
)
from services.bot.outcome_chart import BAR_COLOURS, render_outcome_chart_png
from speechcue.calls.v1 import calls_pb2

MESSAGE = calls_pb2.NODE_KIND_MESSAGE
MENU = calls_pb2.NODE_KIND_MENU
COLLECT = calls_pb2.NODE_KIND_COLLECT_DIGITS
TRANSFER = calls_pb2.NODE_KIND_TRANSFER
END = calls_pb2.NODE_KIND_END

# A box's header band is hundreds of pixels of its kind's colour; a legend swatch is far fewer.
HEADER_PIXELS = 1000

CHINESE = FlowPictureLabels(
    kind_names={MESSAGE: "消息", MENU: "菜单", COLLECT: "收集数字", TRANSFER: "转接", END: "结束"},
    start="开始", key="按键", back="返回", unreachable="从开始无法到达", missing="缺少的步骤",
    max_digits="最多位数", ends_with="结束键", empty="此流程还没有步骤。",
    key_names={"timeout": "超时", "no_match": "无匹配", "next": "下一步"},
)
HINDI = FlowPictureLabels(
    kind_names={MESSAGE: "संदेश", MENU: "मेनू", COLLECT: "अंक लें", TRANSFER: "ट्रांसफ़र", END: "समाप्त"},
    start="शुरुआत", key="दबाई गई कुंजी", back="वापस जाता है", unreachable="शुरुआत से नहीं पहुँचा जा सकता",
    missing="गायब चरण", max_digits="अधिकतम अंक", ends_with="अंत कुंजी", empty="इस प्रवाह में अभी कोई चरण नहीं है।",
    key_names={"timeout": "समय समाप्त", "no_match": "कोई मेल नहीं", "next": "अगला"},
)
FRENCH = FlowPictureLabels(
    kind_names={MESSAGE: "Message", MENU: "Menu", COLLECT: "Saisie de chiffres", TRANSFER: "Transfert", END: "Fin"},
    start="début", key="touche appuyée", back="revient", unreachable="Inaccessible depuis le début",
    missing="étape manquante", max_digits="chiffres max.", ends_with="fin par",
    key_names={"timeout": "délai dépassé", "no_match": "sans correspondance", "next": "suite"},
)


def node(node_id: str, kind: int, text: str, *edges: tuple[str, str], **fields: object) -> calls_pb2.FlowNode:
    return calls_pb2.FlowNode(
        id=node_id, kind=kind, text=text,
        edges=[calls_pb2.FlowEdge(key=key, target_node_id=target) for key, target in edges], **fields,
    )


def three_node_flow() -> calls_pb2.FlowGraph:
    return calls_pb2.FlowGraph(start_node_id="welcome", nodes=[
        node("welcome", MENU, "Press 1 for sales, 2 to leave a number.", ("1", "sales"), ("2", "digits"),
             ("timeout", "welcome")),
        node("sales", TRANSFER, "Putting you through to sales.", transfer_number="+15551230000"),
        node("digits", COLLECT, "Type your number, then hash.", ("next", "welcome"), max_digits=10,
             termination_key="#"),
    ])


def forty_node_flow() -> calls_pb2.FlowGraph:
    """A main menu with 9 departments, each a menu of its own leading to an agent, opening hours or a
    call-back request; every department loops back to the main menu (a cycle)."""
    nodes = [node("main", MENU, "Choose a department", *[(str(i), f"dept-{i}") for i in range(1, 10)],
                  ("no_match", "main"))]
    for i in range(1, 10):
        nodes.append(node(f"dept-{i}", MENU, f"Department {i}: 1 for a person, 2 for opening hours, 0 to go back",
                          ("1", f"agent-{i}"), ("2", f"hours-{i}"), ("3", f"callback-{i}"), ("0", "main")))
        nodes.append(node(f"agent-{i}", TRANSFER, "Transferring you now", transfer_number=f"+1555000000{i}"))
        nodes.append(node(f"hours-{i}", MESSAGE, f"Department {i} is open from nine to five.", ("next", "bye")))
        nodes.append(node(f"callback-{i}", COLLECT, "Type your number and we will call you back",
                          ("next", "bye"), ("timeout", f"dept-{i}"), max_digits=12, termination_key="#"))
    nodes += [node("bye", END, "Goodbye"), node("spare-1", MESSAGE, "Unused"), node("spare-2", MESSAGE, "Unused")]
    assert len(nodes) == 40
    return calls_pb2.FlowGraph(start_node_id="main", nodes=nodes)


def open_png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def pixels_of(image: Image.Image, colour: str) -> int:
    wanted = ImageColor.getrgb(colour)
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    return sum(count for count, rgb in colours if rgb == wanted)


def assert_within_limits(image: Image.Image) -> None:
    assert 0 < image.width <= MAX_WIDTH
    assert 0 < image.height <= MAX_HEIGHT


def test_three_node_flow_renders_a_box_per_kind() -> None:
    image = open_png(render_flow_png(three_node_flow(), title="Sales line", labels=FlowPictureLabels()))

    assert_within_limits(image)
    assert image.width >= 300 and image.height >= 300
    for kind in (MENU, TRANSFER, COLLECT):
        assert pixels_of(image, KIND_COLOURS[kind][1]) > HEADER_PIXELS
    for kind in (MESSAGE, END):
        assert pixels_of(image, KIND_COLOURS[kind][1]) == 0


def test_start_node_is_drawn_centred_in_the_top_row() -> None:
    image = open_png(render_flow_png(three_node_flow(), title="Sales line", labels=FlowPictureLabels()))
    menu_header = ImageColor.getrgb(KIND_COLOURS[MENU][1])

    rows_with_menu_colour = [y for y in range(image.height) if image.getpixel((image.width // 2, y)) == menu_header]

    assert rows_with_menu_colour, "the start node's header should cross the picture's vertical centre line"
    assert min(rows_with_menu_colour) < image.height / 2


def test_forty_node_flow_with_a_cycle_fits_the_limits() -> None:
    image = open_png(render_flow_png(forty_node_flow(), title="Big switchboard", labels=FlowPictureLabels()))

    assert_within_limits(image)
    for kind in (MENU, TRANSFER, MESSAGE, COLLECT, END):
        assert pixels_of(image, KIND_COLOURS[kind][1]) > HEADER_PIXELS


def test_fifty_step_chain_is_shrunk_to_the_height_limit() -> None:
    graph = calls_pb2.FlowGraph(start_node_id="step-0", nodes=[
        node(f"step-{i}", MESSAGE, f"Step {i} says something long enough to wrap onto several lines",
             ("next", f"step-{i + 1}"), *([("timeout", "step-0")] if i % 5 == 4 else []))
        for i in range(50)
    ])

    image = open_png(render_flow_png(graph, title="A very long chain", labels=FlowPictureLabels()))

    assert_within_limits(image)
    assert image.height > image.width


def test_menu_with_fifty_options_fits_the_limits() -> None:
    graph = calls_pb2.FlowGraph(start_node_id="menu", nodes=[
        node("menu", MENU, "Many options", *[(str(i % 10), f"end-{i}") for i in range(49)]),
        *[node(f"end-{i}", END, "Bye") for i in range(49)],
    ])

    image = open_png(render_flow_png(graph, title="Wide", labels=FlowPictureLabels()))

    assert_within_limits(image)
    assert pixels_of(image, KIND_COLOURS[END][1]) > HEADER_PIXELS


def test_unreachable_node_gets_a_row_of_its_own() -> None:
    reachable_only = three_node_flow()
    with_orphan = three_node_flow()
    with_orphan.nodes.append(node("orphan", END, "Nobody comes here", ("next", "welcome")))

    without = open_png(render_flow_png(reachable_only, title="Flow", labels=FlowPictureLabels()))
    image = open_png(render_flow_png(with_orphan, title="Flow", labels=FlowPictureLabels()))

    assert_within_limits(image)
    assert image.height > without.height
    assert pixels_of(image, KIND_COLOURS[END][1]) > HEADER_PIXELS


def test_flow_without_a_valid_start_draws_every_node_as_unreachable() -> None:
    graph = three_node_flow()
    graph.start_node_id = "nowhere"

    image = open_png(render_flow_png(graph, title="Broken", labels=FlowPictureLabels()))

    assert_within_limits(image)
    assert pixels_of(image, KIND_COLOURS[MENU][1]) > HEADER_PIXELS
    assert "nowhere" not in describe_flow_text(graph, FlowPictureLabels())


def test_edge_to_a_missing_node_is_drawn_and_named() -> None:
    graph = calls_pb2.FlowGraph(start_node_id="a", nodes=[node("a", MESSAGE, "Hi", ("next", "ghost"), ("1", ""))])

    image = open_png(render_flow_png(graph, title="Broken", labels=FlowPictureLabels()))
    text = describe_flow_text(graph, FlowPictureLabels())

    assert_within_limits(image)
    assert "next → ghost (missing step)" in text


def test_empty_flow_renders_its_title_and_says_so_in_text() -> None:
    image = open_png(render_flow_png(calls_pb2.FlowGraph(), title="Nothing here", labels=FlowPictureLabels()))

    assert_within_limits(image)
    assert describe_flow_text(calls_pb2.FlowGraph(), FlowPictureLabels()) == FlowPictureLabels().empty


def test_text_version_lists_every_node_and_edge_in_bfs_order() -> None:
    graph = three_node_flow()
    graph.nodes.append(node("orphan", END, "Nobody comes here"))

    text = describe_flow_text(graph, FlowPictureLabels())
    lines = text.splitlines()

    assert lines[0].startswith('1. Menu "Press 1 for sales') and "(welcome)" in lines[0] and "start" in lines[0]
    for proto_node in graph.nodes:
        assert f"({proto_node.id})" in text
        for edge in proto_node.edges:
            assert f"{edge.key} → {edge.target_node_id}" in text
    numbered = [line for line in lines if line[0].isdigit()]
    assert [line.split(".")[0] for line in numbered] == ["1", "2", "3", "4"]
    assert "(orphan)" in numbered[-1] and "Not reachable" in numbered[-1]
    assert "max digits: 10" in text and "+15551230000" in text


def test_text_version_shortens_long_node_text() -> None:
    graph = calls_pb2.FlowGraph(start_node_id="a", nodes=[node("a", MESSAGE, "word " * 200)])

    line = describe_flow_text(graph, FlowPictureLabels())

    assert len(line) < 120
    assert "…" in line


def test_text_version_is_bounded_and_marked_when_cut() -> None:
    graph = calls_pb2.FlowGraph(start_node_id="n-0", nodes=[
        node(f"n-{i}", MENU, "A long prompt " * 20, *[(str(k), f"n-{(i + k) % 60}") for k in range(10)])
        for i in range(60)
    ])

    text = describe_flow_text(graph, FlowPictureLabels())

    assert len(text) <= MAX_TEXT_CHARS
    assert text.endswith("…")
    assert text.startswith("1. Menu")


def test_forty_node_text_version_names_every_node() -> None:
    graph = forty_node_flow()

    text = describe_flow_text(graph, FlowPictureLabels())

    assert len(text) <= MAX_TEXT_CHARS
    for proto_node in graph.nodes:
        assert f"({proto_node.id})" in text


@pytest.mark.parametrize("labels", [FlowPictureLabels(), CHINESE, FRENCH, HINDI], ids=["en", "zh", "fr", "hi"])
def test_flow_renders_in_every_language(labels: FlowPictureLabels) -> None:
    graph = three_node_flow()
    graph.nodes[0].text = {
        "消息": "您好！请按一键转到销售部门，按二键留下号码。",
        "संदेश": "नमस्ते! बिक्री के लिए 1 दबाएँ, नंबर छोड़ने के लिए 2 दबाएँ।",
    }.get(labels.kind_name(MESSAGE), graph.nodes[0].text)
    graph.nodes.append(node("orphan", END, "—", ("no_match", "ghost")))

    image = open_png(render_flow_png(graph, title=f"{labels.start}: {labels.kind_name(MENU)}", labels=labels))
    text = describe_flow_text(graph, labels)

    assert_within_limits(image)
    assert pixels_of(image, KIND_COLOURS[MENU][1]) > HEADER_PIXELS
    assert labels.kind_name(MENU) in text and labels.kind_name(COLLECT) in text
    assert f"{labels.key_name('next')} → welcome" in text


def test_pictures_render_with_no_fonts_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fonts, "FONT_DIRECTORIES", (tmp_path,))

    flow = open_png(render_flow_png(three_node_flow(), title="没有字体 — कोई फ़ॉन्ट नहीं", labels=HINDI))
    chart = open_png(render_outcome_chart_png([("已接听", 3), ("उत्तर नहीं", 1)], title="无字体"))

    assert set(fonts.found_fonts().values()) == {"Pillow default font"}
    assert_within_limits(flow)
    assert_within_limits(chart)


def test_broken_font_file_is_skipped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "DejaVuSans.ttf").write_bytes(b"not a font")
    monkeypatch.setattr(fonts, "FONT_DIRECTORIES", (tmp_path, *fonts.FONT_DIRECTORIES))

    chosen = fonts.shelf().file_for(fonts.Script.LATIN)

    assert chosen is None or chosen.path != tmp_path / "DejaVuSans.ttf"
    open_png(render_outcome_chart_png([("Answered", 1)], title="Still drawn"))


FONT_FILES = Path(fonts.__file__).with_name("font_files")
# A character no font has: whatever a font draws for it is its "missing glyph" box.
NO_SUCH_CHARACTER = "\U0010fffd"
SAMPLES = {
    fonts.Script.LATIN: "Appuyez sur 1, réécoutez à l'œil: ça coûte 2 € — Ça? «Oui» ÀÉÎÕÜ → ↩ …",
    fonts.Script.CJK: "请按一键转到销售部门，按井号键重听菜单选项，谢谢您的来电！（１）",
    fonts.Script.DEVANAGARI: "बिक्री के लिए 1 दबाएँ, सहायता के लिए क्षत्रिय ज्ञान श्री ॐ।",
    fonts.Script.EMOJI: "💬🔢⌨️↪️🔚👋🏽✅📞🇫🇷",
}


def drawn(font: fonts.FontType, text: str) -> bytes:
    """The pixels a font draws for text on its own, as bytes to compare."""
    image = Image.new("RGB", (200, 120), "white")
    if isinstance(font, fonts.BitmapFont):
        font.draw(image, (10, 90), text)
    else:
        ImageDraw.Draw(image).text((10, 90), text, font=font, fill="black", anchor="ls")
    return image.tobytes()


@pytest.mark.parametrize("script", list(fonts.Script), ids=lambda script: script.value)
def test_each_script_is_drawn_with_a_font_the_project_ships(script: fonts.Script) -> None:
    chosen = fonts.shelf().file_for(script)

    assert chosen is not None, f"no font for {script.value} in {fonts.FONT_DIRECTORIES}"
    assert chosen.path.parent == FONT_FILES
    assert (FONT_FILES / "OFL.txt").is_file() and (FONT_FILES / "DejaVu-LICENSE.txt").is_file()


@pytest.mark.parametrize("script", list(SAMPLES), ids=lambda script: script.value)
def test_every_character_of_each_language_and_emoji_is_a_glyph_not_a_box(script: fonts.Script) -> None:
    for size in (20, 9):
        for piece in fonts.clusters(SAMPLES[script]):
            if piece.isspace():
                continue
            [(run, run_script)] = fonts.script_runs(piece)
            font = fonts.shelf().font(run_script, size)

            assert isinstance(font, ImageFont.FreeTypeFont | fonts.BitmapFont), f"no font file for {run!r}"
            is_a_box = drawn(font, run) == drawn(font, NO_SUCH_CHARACTER)
            assert not is_a_box, f"{run!r} is drawn as a box at {size} px"


def test_hindi_conjuncts_and_vowel_signs_are_shaped() -> None:
    # Pillow shapes with Raqm, which its wheels bundle but which loads FriBiDi from the machine
    # (Debian's libfribidi0); without it, क्ष is drawn as क, a virama and ष side by side.
    assert features.check("raqm"), "Pillow has no Raqm: install Debian's libfribidi0"
    assert fonts.text_width("क्ष", 20) < fonts.text_width("क्", 20) + fonts.text_width("ष", 20)
    assert fonts.text_width("कि", 20) < fonts.text_width("क", 20) + fonts.text_width("ि", 20) + 1


def test_step_headers_draw_their_emoji_in_colour() -> None:
    image = Image.new("RGB", (300, 40), "white")

    width = fonts.draw_text(ImageDraw.Draw(image), (0, 0), "💬 Message", 20, fill="#000000", bold=True)

    colours = {rgb for _, rgb in image.getcolors(maxcolors=300 * 40) or []
               if isinstance(rgb, tuple) and len(set(rgb)) > 1}
    assert colours, "the emoji was drawn without colour"
    assert width == pytest.approx(fonts.text_width("💬 Message", 20, bold=True))


def test_script_runs_keep_emoji_sequences_and_the_spaces_around_them_apart() -> None:
    runs = fonts.script_runs("⌨️ 收集数字 👋🏽 1")

    assert runs == [("⌨️", fonts.Script.EMOJI), (" 收集数字 ", fonts.Script.CJK), ("👋🏽", fonts.Script.EMOJI),
                    (" 1", fonts.Script.LATIN)]
    assert fonts.script_runs("नमस्ते\u200dजी") == [("नमस्ते\u200dजी", fonts.Script.DEVANAGARI)]
    assert fonts.clusters("👋🏽🇫🇷🇩🇪") == ["👋🏽", "🇫🇷", "🇩🇪"]


def test_script_runs_split_mixed_text_by_script() -> None:
    runs = fonts.script_runs("按 1 键 then नमस्ते")

    assert [script for _, script in runs] == [
        fonts.Script.CJK, fonts.Script.LATIN, fonts.Script.CJK, fonts.Script.LATIN, fonts.Script.DEVANAGARI,
    ]
    assert "".join(run for run, _ in runs) == "按 1 键 then नमस्ते"


@pytest.mark.parametrize("text", [
    "Press 1 for sales, 2 for support, or stay on the line to hear these options again",
    "请按一键转到销售部门，按二键转到客服部门，按井号键重听菜单选项，谢谢您的来电",
    "बिक्री के लिए 1 दबाएँ, सहायता के लिए 2 दबाएँ, या विकल्प फिर से सुनने के लिए लाइन पर बने रहें",
    "Appuyez sur 1 pour les ventes, sur 2 pour l'assistance, ou restez en ligne pour réécouter",
])
def test_wrap_text_keeps_lines_within_width_and_marks_cuts(text: str) -> None:
    lines = fonts.wrap_text(text, 16, 160, max_lines=3)

    assert len(lines) == 3
    assert all(fonts.text_width(line, 16) <= 160 for line in lines)
    assert lines[-1].endswith("…")


def test_wrap_text_returns_short_text_unchanged() -> None:
    assert fonts.wrap_text("Goodbye!", 16, 300, max_lines=3) == ["Goodbye!"]
    assert fonts.wrap_text("", 16, 300, max_lines=3) == []


def test_clusters_keep_devanagari_conjuncts_together() -> None:
    assert fonts.clusters("क्षत्रिय") == ["क्ष", "त्रि", "य"]


def test_font_for_picks_a_font_for_each_script() -> None:
    for text in ("Hello", "你好", "नमस्ते"):
        font = fonts.font_for(text, 20)
        assert font.getlength(text) > 0


def test_chart_renders_all_zero_counts() -> None:
    image = open_png(render_outcome_chart_png([("Answered", 0), ("No answer", 0), ("Busy", 0)], title="Nothing yet"))

    assert_within_limits(image)
    for colour in BAR_COLOURS[:3]:
        assert pixels_of(image, colour) == 0


def test_chart_draws_a_bar_per_counted_outcome_longest_for_the_largest() -> None:
    image = open_png(render_outcome_chart_png([("Answered", 90), ("No answer", 10)], title="Outcomes"))

    answered, no_answer = pixels_of(image, BAR_COLOURS[0]), pixels_of(image, BAR_COLOURS[1])

    assert answered > no_answer > 0
    assert 5 < answered / no_answer < 15  # bar areas in proportion to the counts, less the text on them


def test_chart_with_many_categories_fits_the_limits() -> None:
    few = open_png(render_outcome_chart_png([(f"outcome {i}", i) for i in range(5)], title="Few"))
    many = open_png(render_outcome_chart_png([(f"outcome {i}", i) for i in range(60)], title="Many"))
    too_many = open_png(render_outcome_chart_png([(f"outcome {i}", i) for i in range(400)], title="Too many"))

    for image in (few, many, too_many):
        assert_within_limits(image)
    assert few.height < many.height


def test_chart_renders_labels_in_every_script_and_no_rows() -> None:
    counts = [("Answered", 5), ("已接听", 3), ("उत्तर दिया गया", 2), ("Messagerie vocale", 1), ("Failed", -2)]

    assert_within_limits(open_png(render_outcome_chart_png(counts, title="结果 — परिणाम — Résultats")))
    assert_within_limits(open_png(render_outcome_chart_png([], title="")))
