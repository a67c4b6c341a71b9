"""The catalogs and the language machinery: a message in the code that the Chinese catalog
lacks (or has fuzzy, or with other placeholders) fails the build; a missing translation
falls back to English; the language in force never leaks from one event to the next."""

from __future__ import annotations

import ast
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from adapters import console_english
from bot import i18n, timeparse
from bot.i18n import _, ngettext, pgettext
from bot.i18n_extract import compile_po, messages, problems, source_files

ROOT = Path(__file__).resolve().parents[2]


def test_the_chinese_catalog_is_complete_and_compiled() -> None:
    found = problems(ROOT, "zh_Hans")
    assert found == [], "\n".join(found[:20]) + "\nrun scripts/i18n update, translate, compile"


def test_the_compiled_catalog_ships_with_the_package() -> None:
    assert isinstance(i18n.translations("zh-Hans"), i18n._gettext.GNUTranslations)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "locale/*/LC_MESSAGES/*.mo" in pyproject and '"babel' in pyproject


def _fake_repo(tmp_path: Path, source: str, entries: dict[str, str], fuzzy: set[str]) -> Path:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "x.py").write_text(textwrap.dedent(source))
    po_dir = tmp_path / "bot" / "locale" / "zh_Hans" / "LC_MESSAGES"
    po_dir.mkdir(parents=True)
    catalog = Catalog(locale="zh_Hans")
    for msgid, text in entries.items():
        catalog.add(msgid, text, flags=("fuzzy",) if msgid in fuzzy else ())
    with (po_dir / "moot.po").open("wb") as f:
        write_po(f, catalog)
    compile_po(po_dir / "moot.po")
    return tmp_path


def test_problems_name_each_way_a_catalog_falls_behind(tmp_path: Path) -> None:
    source = """
        from bot.i18n import _
        def f(ctx, n):
            ctx.private(_("Hello {name}").format(name=n))
            ctx.private(_("Bye"))
            ctx.private(_("Not there yet"))
            ctx.private(_("Fuzzy one"))
    """
    root = _fake_repo(
        tmp_path,
        source,
        {"Hello {name}": "你好 {who}", "Bye": "再见", "Fuzzy one": "模糊"},
        fuzzy={"Fuzzy one"},
    )
    found = "\n".join(problems(root))
    assert "not in the zh_Hans catalog: 'Not there yet'" in found
    assert "untranslated or fuzzy in zh_Hans: 'Fuzzy one'" in found
    assert "placeholders differ in zh_Hans: 'Hello {name}'" in found
    assert "Bye" not in found
    # A .po changed after its .mo was compiled is out of date too.
    po = root / "bot/locale/zh_Hans/LC_MESSAGES/moot.po"
    po.write_text(po.read_text().replace("再见", "回头见"))
    assert any("is not compiled from its .po" in p for p in problems(root))


def test_the_extractor_reads_specs_as_well_as_gettext_calls() -> None:
    source = textwrap.dedent(
        """
        from bot.i18n import NP_, _, ngettext, pgettext
        def register(reg):
            reg.summary("poll", "a quick show of hands")
            @reg.command("poll", "ask", help="Ask a quick question.", details="More prose.",
                params=[Param("question"), Param("state", "choice", choices=("on",)),
                        Param("when", metavar="DATETIME"), Param("quiet", "flag")])
            def ask(ctx, n):
                ctx.reply(ngettext("{n} vote", "{n} votes", n).format(n=n))
                ctx.reply(pgettext("button", "Open"))
                ctx.reply(i18n._("Through the module") + other._("not ours"))
            KINDS = (NP_("vote kind", "ranked"),)
        """
    )
    found = {(f, str(m)) for _line, f, m, _c in messages(source)}
    assert (None, "a quick show of hands") in found
    assert (None, "Ask a quick question.") in found and (None, "More prose.") in found
    assert ("pgettext", "('metavar', 'QUESTION')") in found
    assert ("pgettext", "('metavar', 'DATETIME')") in found
    assert not any("STATE" in m or "QUIET" in m for _f, m in found)  # choices and flags
    assert ("ngettext", "('{n} vote', '{n} votes')") in found
    assert ("pgettext", "('button', 'Open')") in found
    assert ("pgettext", "('vote kind', 'ranked')") in found
    assert ("_", "Through the module") in found and not any("not ours" in m for _f, m in found)


_SCOPES = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda)


def _own_scope(fn: ast.AST) -> list[ast.AST]:
    """The nodes of a function outside comprehensions, which bind names of their own."""
    out: list[ast.AST] = []
    todo = list(ast.iter_child_nodes(fn))
    while todo:
        node = todo.pop()
        out.append(node)
        if not isinstance(node, _SCOPES):
            todo.extend(ast.iter_child_nodes(node))
    return out


def test_no_function_hides_the_gettext_underscore() -> None:
    """`a, _, b = x.partition(":")` in a function that also calls _() makes it a string."""
    bad = []
    for path in source_files(ROOT):
        for fn in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            a = fn.args
            names = [
                x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if x
            ]
            binds = "_" in names or any(
                isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)
                for n in _own_scope(fn)
            )
            calls = any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"
                for n in ast.walk(fn)
            )
            if binds and calls:
                bad.append(f"{path.relative_to(ROOT)}:{fn.lineno} {fn.name}")
    assert bad == []


def test_use_switches_and_restores_the_language() -> None:
    assert i18n.current() == "en"
    with i18n.use("zh-CN") as lang:
        assert lang == "zh-Hans"
        assert _("Usage: {usage}") == "用法：{usage}"
        with i18n.use(None):
            assert _("Usage: {usage}") == "Usage: {usage}"
        assert pgettext("option", "yes") == "赞成"
    assert i18n.current() == "en"
    with pytest.raises(RuntimeError), i18n.use("zh-Hans"):
        raise RuntimeError("a handler fails")
    assert i18n.current() == "en"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("zh-Hans", "zh-Hans"),
        ("ZH_hans", "zh-Hans"),
        ("zh-CN", "zh-Hans"),
        ("中文", "zh-Hans"),
        ("简体中文", "zh-Hans"),
        ("ｚｈ", "zh-Hans"),
        ("en", "en"),
        ("en-GB", "en"),
        ("English", "en"),
        ("klingon", None),
        ("", None),
        ("zh-Hant", None),
    ],
)
def test_language_names_people_type(typed: str, meant: str | None) -> None:
    assert i18n.normalize(typed) == meant


def test_a_missing_translation_is_english_never_a_key() -> None:
    with i18n.use("zh-Hans"):
        assert _("A sentence nobody translated.") == "A sentence nobody translated."
        assert ngettext("{n} thing", "{n} things", 2).format(n=2) == "2 things"
        assert pgettext("nowhere", "Open") == "Open"


def test_plurals_numbers_and_dates_per_language() -> None:
    assert ngettext("{n} day", "{n} days", 1).format(n=1) == "1 day"
    assert ngettext("{n} day", "{n} days", 3).format(n=3) == "3 days"
    berlin = ZoneInfo("Europe/Berlin")
    instant = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert timeparse.format_when(instant, berlin) == "Tue 1 Dec 2026 17:00 CET"
    assert i18n.percent(2 / 3) == "67%" and i18n.number(12345.5) == "12,345.5"
    with i18n.use("zh-Hans"):
        assert ngettext("{n} day", "{n} days", 1).format(n=1) == "1 天"
        assert ngettext("{n} day", "{n} days", 3).format(n=3) == "3 天"
        assert timeparse.format_when(instant, berlin) == "2026年12月1日 星期二 17:00 CET"
        assert i18n.day(instant, berlin) == "2026年12月1日 星期二"
        assert timeparse.format_left(instant - datetime(2026, 11, 28, 16, tzinfo=UTC)) == "3 天"
        assert i18n.percent(0.667, 1) == "66.7%"
        assert i18n.joined(["红", "绿"]) == "红、绿"


def test_the_no_english_rule_catches_sentences_and_labels_but_not_commands() -> None:
    assert console_english.leaks("#1 [only @alice]\n  投票已结束。") == []
    assert console_english.leaks('  用法：/vote start "问题" [--for 时长]') == []
    assert console_english.leaks("  请输入 `/vote cast 1 yes` 或 #general @bob RFC-3") == []
    assert console_english.leaks("  Your vote is recorded") != []
    assert "Tally" in console_english.leaks("  Tally: 赞成 1")
    assert set(console_english.leaks("  Status: 处理中")) == {"Status"}
    assert console_english.leaks("  未解决的异议: none") == ["none"]
    assert console_english.leaks("  Adopt v2", frozenset({"Adopt", "v2"})) == []


def test_discord_commands_carry_chinese_descriptions_and_keep_their_names() -> None:
    import commands
    from adapters.discord import tree
    from bot.registry import Registry

    found = tree.commands(commands.register_all(Registry()))
    seen = 0

    def walk(node: dict) -> None:
        nonlocal seen
        local = node.get("description_localizations", {})
        assert set(local) <= {"zh-CN"}
        if local:
            seen += 1
            assert 1 <= len(local["zh-CN"]) <= tree.DESCRIPTION_MAX
            assert local["zh-CN"] != node["description"]
        assert "name_localizations" not in node  # typed names stay as they are
        for child in node.get("options", []):
            walk(child)

    for command in found:
        walk(command)
    vote = next(c for c in found if c["name"] == "vote")
    start = next(o for o in vote["options"] if o["name"] == "start")
    assert start["description_localizations"]["zh-CN"].startswith("发起限时投票")
    assert seen > 100
    assert i18n.current() == "en"  # building the tree left the language alone


def test_the_discord_vote_form_follows_the_pressers_locale() -> None:
    import commands
    from adapters.discord import modal
    from bot.registry import Registry

    spec = commands.register_all(Registry()).find("vote", "start")
    assert spec is not None
    zh = modal.form(spec, "zh-CN")
    en = modal.form(spec, "en-US")
    assert zh["title"] == "发起投票" and en["title"] == "Start a vote"
    labels = [row["components"][0]["label"] for row in zh["components"]]
    assert labels[0] == "问题" and all(len(x) <= modal.LABEL_MAX for x in labels)
    assert modal.form(spec, "fr")["title"] == "Start a vote"  # no catalog: English
    assert i18n.current() == "en"
