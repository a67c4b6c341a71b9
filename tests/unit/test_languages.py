"""Languages end to end on the console: a community switched to Chinese meets no English
sentence; a person's own language governs their DMs and private replies while public posts
keep the community's; bad input is refused in the reader's language with nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bot.registry import Registry
from storage.tables import Community
from tests.conftest import Script

ZH = ("roles alice=admin bob= carol=", "@alice /config language zh-Hans", "expect /简体中文/")


async def test_votes_in_chinese_have_no_english(script: Script) -> None:
    await script(
        *ZH,
        "@alice /help",
        "expect /Moot 命令/",
        "expect-no-english",
        "@alice /help vote start",
        'expect /用法：\\/vote start "问题" .*--for 时长/',
        "expect-no-english",
        '@alice /vote start "采用第二版？" --for ３天',
        "expect /(?s)🗳️ 投票 #1：采用第二版？.*类型: 提议表决.*\\[赞成\\] \\[反对\\] \\[弃权\\]/",
        "expect-no-english",
        "@bob /vote cast 1 赞成",
        "expect /你在 #1 上的选择是 \\*\\*赞成\\*\\*/",
        "expect-no-english",
        "@carol click 4 反对",
        "expect /3 名有资格者中 2 人已投票/",
        "expect-no-english",
        "@bob /vote cast 1 maybe",
        "expect /用法：\\/vote cast 编号 选项/",
        "expect-no-english",
        "@alice /vote list",
        "expect /进行中，截止 2026年1月8日 星期四 09:00 UTC/",
        "expect-no-english",
        "advance 3天",
        "expect /投票 #1 已结束：\\*\\*平局\\*\\*/",
        "expect-no-english",
        '@alice /vote start "标志用哪个颜色？" --options 红,绿,蓝 --secret --for 2小时',
        "expect /🔒 私下投票/",
        "expect-no-english",
        "@bob dm /vote cast 2 红",
        "expect /你在 #2 上的选择是 \\*\\*红\\*\\*/",
        "advance 2h",
        "expect /投票 #2 已结束：\\*\\*红 胜出\\*\\*/",
        "expect-no-english",
    )


async def test_rfcs_and_config_in_chinese_have_no_english(script: Script) -> None:
    await script(
        *ZH,
        "@alice /config timezone Asia/Shanghi",
        "expect /你是不是想输入 Asia\\/Shanghai/",
        "expect-no-english",
        "@alice /config timezone Asia/Shanghai",
        "expect /现在按 Asia\\/Shanghai 读取和显示时间/",
        "@alice /config show",
        "expect /(?s)本社区的设置.*• 语言: zh-Hans/",
        "expect-no-english console local",
        '@alice /rfc propose "采用行为准则"',
        "expect /RFC-1/",
        "expect-no-english",
        "@alice /rfc reviewers RFC-1 @bob",
        "expect /已邀请 @bob 评审 RFC-1/",
        "expect-no-english",
        '@bob /rfc concern RFC-1 "先明确执行团队"',
        "expect /@bob 对 RFC-1 提出异议 #1：先明确执行团队/",
        "expect-no-english",
        '@bob /rfc resolve RFC-1 1 "由管理员执行"',
        "expect /RFC-1 的异议 #1 已由 @bob 解决/",
        "expect-no-english",
        "@alice /rfc fcp RFC-1 accept --for 7天",
        "expect /进入最终评议期/",
        "expect-no-english",
        "@alice /rfc show RFC-1",
        "expect /最终评议期/",
        "expect-no-english",
        "@alice /rfc log RFC-1",
        "expect-no-english",
        "advance 7d",
        "expect /现在已通过/",
        "expect-no-english",
        "@alice /rfc list",
        "expect-no-english",
    )


async def test_a_persons_language_governs_their_private_words_only(script: Script) -> None:
    s = await script(
        *ZH,
        "@bob /me language en",
        "expect /Moot now speaks English to you/",
        '@alice /vote start "采用？" --for 1d',
        "expect /🗳️ 投票 #1/",
        "@bob /vote cast 1 yes",
        "expect /Your vote on #1 is \\*\\*yes\\*\\*/",
        "@carol /vote cast 1 弃权",
        "expect /你在 #1 上的选择是 \\*\\*弃权\\*\\*/",
        "@bob /vote start 'x' --for 100d",
        'expect /a vote runs from 1 minute to 90 days, not 100d. Usage: \\/vote start "QUESTION"/',
        # Bob's reminder DM is English, Alice's is Chinese; the card edits stay Chinese.
        "@bob /me language",
        "expect /Your language: English/",
        "@carol /me language",
        "expect /你的语言：未设置（使用社区的简体中文）/",
        "restart",
        "@bob /me language default",
        "expect /Moot 现在用社区的语言（简体中文）和你交流/",
    )
    cards = [b for b in s.adapter.blocks if b.startswith("#3 已编辑")]
    assert cards and all("计票" in b for b in cards)


async def test_personal_reminders_follow_each_persons_language(script: Script) -> None:
    s = await script(
        "roles alice=admin bob= carol=",
        "@bob /me language zh-Hans",
        '@alice /vote start "Adopt?" --for 1d',
        "advance 23h",
    )
    dms = {b.split("\n", 1)[0]: b for b in s.adapter.blocks if "[DM @" in b.split("\n", 1)[0]}
    bob = next(b for h, b in dms.items() if "@bob" in h)
    carol = next(b for h, b in dms.items() if "@carol" in h)
    assert "⏰ 提醒" in bob and "Reminder" not in bob
    assert "⏰ Reminder" in carol
    card = next(b for b in s.adapter.blocks if "Vote #1: Adopt?" in b)
    assert "Kind: proposal" in card


async def test_bad_language_is_refused_and_nothing_is_written(script: Script) -> None:
    s = await script(
        "roles alice=admin bob=",
        "@alice /config language klingon",
        "expect /'klingon' is not a language Moot speaks; use en, zh-Hans. "
        "Usage: \\/config language/",
        "@bob /config language zh-Hans",
        "expect /for moderators and admins only/",
        "@alice /config language 中文",
        "expect /简体中文/",
        "@alice /config language zh-CN",
        "@alice /me language 火星文",
        "expect /Moot 不会说“火星文”这种语言/",
    )
    with s.db.transaction() as db:
        community = db.exec(select(Community)).one()
        assert community.settings.get("language") == "zh-Hans"


async def test_events_and_feedback_in_chinese_have_no_english(script: Script) -> None:
    await script(
        "roles alice=admin bob= carol= dan=",
        "@alice /config language zh-Hans",
        '@alice /event create "发布庆祝会" --at "2天后" --capacity 1 --where 线上',
        "expect /(?s)📅 活动 #1：发布庆祝会.*地点.*线上.*\\[参加\\]/",
        "expect-no-english",
        "@bob click 2 参加",
        "@carol /event rsvp 1 going",
        "expect /候补名单|排在第 1 位/",
        "expect-no-english",
        "@bob /event rsvp 1 no",
        "expect-no-english",
        "@alice /event show 1",
        "expect-no-english",
        "@alice /event who 1",
        "expect /(?s)活动 #1“发布庆祝会”：参加 1\\/1.*\\n  参加：carol$/",
        "expect-no-english carol",  # a person's name is their own
        "@alice /event list",
        "expect-no-english",
        "@alice /event list --past",
        "expect /没有符合条件的活动/",
        "expect-no-english",
        "@alice /config channel feedback #feedback",
        '@dan /feedback "文档网站需要深色模式" --category idea',
        "expect /已在 #feedback 收集为反馈 #1/",
        "expect-no-english",
        "@carol click /文档网站需要深色模式/ 👍 支持",
        "expect /你支持了反馈 #1/",
        "expect-no-english",
        '@alice /feedback status 1 under-review --comment "正在研究主题"',
        "expect /评审中/",
        "expect-no-english",
        "@alice /feedback show 1",
        "expect-no-english",
        "@alice /feedback list",
        "expect-no-english",
        "@dan /feedback up 99",
        "expect /没有反馈 #99/",
        "expect-no-english",
    )


async def test_knowledge_base_and_kudos_in_chinese_have_no_english(script: Script) -> None:
    await script(
        *ZH,
        '@alice /kb add "怎样重置密码？" "在设置页面点击重置密码" --tags 账户',
        "expect /📚 已添加 KB-1：怎样重置密码？/",
        "expect-no-english",
        "@bob /kb show 1",
        "expect /(?s)📚 KB-1：怎样重置密码？.*答案/",
        "expect-no-english",
        "@bob /kb search 火星",
        "expect /知识库中没有与“火星”匹配的内容/",
        "expect-no-english",
        '@bob /kudos @carol docs "修好了入门指南"',
        "expect /🙌 @bob 感谢 @carol/",
        "expect-no-english",
        '@bob /kudos @bob code "自己"',
        "expect /你不能感谢自己/",
        "expect-no-english",
        "@alice /kudos top",
        "expect-no-english",
    )


async def test_event_reminders_speak_each_persons_language(script: Script) -> None:
    s = await script(
        "roles alice=admin bob= carol=",
        "@bob /me language zh-Hans",
        '@alice /event create "Release party" --at "in 2d" --where Online',
        "@bob /event rsvp 1 maybe",
        "@carol /event rsvp 1 going",
        "advance 2d",
    )
    dms = [b for b in s.adapter.blocks if b.split("\n", 1)[0].startswith("#") and "[DM @" in b]
    bob = [b for b in dms if "[DM @bob]" in b]
    carol = [b for b in dms if "[DM @carol]" in b]
    assert bob and all("⏰ 提醒：活动 #1" in b and "，地点 Online" in b for b in bob)
    assert any("你回复了“可能”" in b for b in bob)
    assert carol and all("⏰ Reminder: event #1" in b and " at Online" in b for b in carol)


async def test_tickets_in_chinese_have_no_english(script: Script) -> None:
    await script(
        "roles alice= sam=support mo=moderator",
        "@mo /config language zh-Hans",
        "@mo /config channel support-staff #staff",
        '@alice /ticket open "无法登录" --priority high --details "升级之后"',
        "expect /工单 #1 已提交/",
        "expect-no-english basic high",
        "@sam click /无法登录/ 认领",
        "expect /🙋 @sam 认领了工单 #1/",
        "expect-no-english basic high",
        "@sam /ticket show 1",
        "expect /(?s)状态: 处理中.*负责人: @sam/",
        "expect-no-english basic high",
        "@sam /ticket status 1",
        "expect /用法：\\/ticket status/",
        "expect-no-english waiting open close",
        "@mo /ticket panel #help",
        "expect /\\[提交工单\\]/",
        "expect-no-english",
    )


async def test_role_checks_support_suggestions_in_chinese_have_no_english(script: Script) -> None:
    await script(
        *ZH,
        "roles mo=moderator",
        '@alice /vote start "采用第二版？" --eligible @ghost',
        "expect /@ghost 不是这里的角色/",
        "expect-no-english ghost mod moderator support",
        "@alice /kb suggestions 30m",
        "expect /每人每 30分钟 最多一次/",
        "expect-no-english",
        "@alice /config channel support #help",
        '@mo /kb add "如何获得提交权限？" "合并三个拉取请求后，在维护者频道申请。"',
        "channel #help",
        "@carol say 如何获得提交权限？",
        "expect /如何获得提交权限/",
        "expect-no-english",
    )


def test_ticket_edit_notices_in_chinese_have_no_english() -> None:
    # The console cannot edit a message, so the notice staff get is checked by the same rule.
    from types import SimpleNamespace

    from adapters import console_english
    from bot import i18n
    from commands.tickets.edits import _notice

    ctx = SimpleNamespace(actor=SimpleNamespace(display="carol"))
    with i18n.use("zh-Hans"):
        edited = _notice(ctx, "构建失败了", "构建在第二步失败了", False)  # type: ignore[arg-type]
        deleted = _notice(ctx, "构建失败了", "", True)  # type: ignore[arg-type]
    assert edited == "✏️ @carol 编辑了自己的消息：“构建失败了” → “构建在第二步失败了”"
    assert deleted == "🗑️ @carol 删除了自己的消息：“构建失败了”"
    assert not console_english.leaks(edited) and not console_english.leaks(deleted)


def test_the_slack_vote_modal_in_chinese_has_no_english(registry: Registry) -> None:
    from adapters import console_english
    from adapters.slack import modal
    from bot import i18n

    spec = registry.find("vote", "start")
    with i18n.use("zh-Hans"):
        view = modal.view(spec, modal.MODAL_COMMANDS[("vote", "start")], {})
    texts = [view["title"]["text"], view["submit"]["text"], view["close"]["text"]]
    for block in view["blocks"]:
        texts += [block["label"]["text"], block.get("hint", {}).get("text", "")]
    assert view["title"]["text"] == "发起投票"
    assert not [t for t in texts if console_english.leaks(t)], texts


async def test_certification_and_kudos_refusals_in_chinese_have_no_english(
    script: Script, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "MOOT_CERTS_DIR", str(Path(__file__).resolve().parents[2] / "examples/certs")
    )
    await script(
        *ZH,
        "@alice /cert import developer.toml",
        "expect /题库 6 题，每次抽 4 题，.*冷却期 .*。$/",
        "expect-no-english Certified Developer",  # the track's name is the community's own
        "@alice /cert import nothere.toml",
        "expect /题库文件夹中没有题库文件“nothere.toml”/",
        "expect-no-english",
        '@bob /kudos @carol nonsense "x"',
        "expect /“nonsense”不是致谢类别（code、docs、tests、review、community、translation）/",
        "expect-no-english",
        '@bob /kudos @carol docs "修好了入门指南"',
        "expect /感谢 @carol 在 docs 方面的贡献/",
        "expect-no-english",
    )
