"""RFCs in a Chinese community, end to end on the console: every /rfc subcommand, every
answer of the decision support (/rfc assess, /rfc meta, /rfc temperature, /config assess),
the cards, the thread posts, the timeline and the timers meet no English sentence; public
posts keep the community's language whoever acts."""

from __future__ import annotations

import re

from sqlalchemy import select

from adapters.console_script import ConsoleSession
from bot.registry import Registry
from storage.tables import AuditLog, Community
from tests.conftest import Script

ZH = (
    "roles alice=admin bob= carol= dan= mo=moderator tc1=tc",
    "@alice /config language zh-Hans",
    "expect /简体中文/",
)


def printed(s: ConsoleSession, *patterns: str) -> None:
    """Each pattern matches something the bot printed (a card, its edit, a thread post)."""
    shown = "\n".join(s.adapter.blocks)
    missing = [p for p in patterns if not re.search(p, shown)]
    assert not missing, missing


PROPOSE = '@alice /rfc propose "采用 Python 3.13" --summary "迁移持续集成和文档" --type technical'


async def test_rfc_assess_and_meta_in_chinese_have_no_english(script: Script) -> None:
    s = await script(
        *ZH,
        "@alice /config channel announcements #announce",
        PROPOSE,
        "expect /类型: 技术/",
        "expect-no-english",
        "@bob /rfc assess RFC-1",
        "expect /(?s)🧭 RFC-1 的评估：采用 Python 3.13.*信息不足: 还没有评审、异议、投票/",
        "expect-no-english",
        "@alice /rfc reviewers RFC-1 @bob @carol @dan",
        "@bob /rfc review RFC-1 changes 需要计划",
        '@carol /rfc concern RFC-1 "会破坏插件接口"',
        "expect-no-english",
        "@alice /rfc meta RFC-1 --areas 5 --breaking yes --migration 是 --effort XL",
        "expect /🧾 RFC-1 的事实：涉及领域 5 个、不兼容变更：是、需要迁移：是、工作量 XL。/",
        "expect-no-english",
        "@dan /rfc assess RFC-1",
        "expect /共识度: \\*\\*0.00\\*\\*（异议 已解决 0\\/未解决 1 0.00×0.42、评审 批准 0/",
        "expect-no-english",
        # Every refusal of /rfc meta, in Chinese, with the usage.
        "@tc1 /rfc meta RFC-1 --effort L",
        "expect /只有 RFC-1 的作者、评审人或管理员/",
        "expect-no-english",
        "@mo /rfc meta RFC-1 --breaking maybe",
        "expect /--breaking 只接受 yes 或 no，而不是“maybe”。用法：\\/rfc meta RFC/",
        "expect-no-english",
        "@alice /rfc meta RFC-1",
        "expect /请至少给出一项事实。用法：/",
        "expect-no-english",
        "@alice /rfc meta RFC-1 --areas 0",
        "expect /--areas 须在 1 到 1000 之间/",
        "expect-no-english",
        "@alice /rfc meta RFC-9 --areas 2",
        "expect /这里没有 RFC-9/",
        "expect-no-english",
        "@alice /rfc assess RFC-9",
        "expect /这里没有 RFC-9/",
        "@alice /rfc assess",
        "expect /用法：\\/rfc assess RFC/",
        "expect-no-english",
        # A vote with eligible roles adds who was not heard from, role by role.
        '@bob /rfc propose "第二个提案"',
        "@bob /rfc reviewers RFC-2 @tc1",
        '@mo /rfc vote RFC-2 --override "时间紧" --for 1d --eligible tc',
        "@alice /rfc assess RFC-2",
        "expect /复杂度: 信息不足/",
        "expect-no-english",
        "@alice /help rfc assess",
        "expect /决策辅助/",
        "expect-no-english",
        "@alice /help rfc meta",
        "expect-no-english",
        "@alice /help rfc temperature",
        "expect-no-english",
        "@alice /help config assess",
        "expect /--consensus 名称=权重/",
        "expect-no-english",
    )
    printed(
        s,
        r"复杂度: \*\*0.8\d\*\*（涉及领域 5 个 1.00×0.20、不兼容变更 1.00×0.20",
        r"风险: \*\*0.93\*\*（不兼容变更 1.00×0.30、要求修改 1.00×0.20、3 项评审缺 2 项",
        r"评审人: 已评审：@bob；待评审：@carol、@dan",
        r"异议提出人: @carol",
        r"规划分阶段推出.*（复杂度 0.8\d 高于 0.7）",
        r"风险缓解计划.*（风险 0.93 高于 0.6）",
        r"利益相关者.*（共识度 0.00 低于 0.5）",
        r"沟通计划: 通知：@carol、@dan",
        r"发布位置：RFC-1 的讨论串、#general、#announce",
        r"UTC：在讨论串中发布讨论摘要",
        r"分数范围为 0 到 1",
        r"各角色参与情况: tc 1 人中 0 人",
        r"尚未表态（有投票资格者）: @tc1",
        r"UTC：提醒尚未表态的人",
        r"UTC：作出决定",
    )


async def test_rfc_temperature_and_weights_in_chinese_have_no_english(script: Script) -> None:
    s = await script(
        *ZH,
        PROPOSE,
        "@bob /rfc temperature RFC-1 --for 24h",
        "expect /🌡️ RFC-1 的意向调查：采用 Python 3.13（无约束力，进行中，截止 /",
        "expect-no-english",
        "@bob /rfc temperature RFC-1",
        "expect /RFC-1 已有一项进行中的意向调查/",
        "expect-no-english",
        "@carol click /意向调查：/ 👍 支持",
        "expect /已记录/",
        "@dan click /意向调查：/ 👀 不确定",
        "expect /👍 支持 1 · 👀 不确定 1 · 👎 反对 0/",
        "expect-no-english",
        "@alice /rfc assess RFC-1",
        "expect /意向调查 👍1 👀1 👎0 0.75×/",
        "expect-no-english",
        "advance 24h",
        "expect /（无约束力，已结束）/",
        "expect-no-english",
        "@bob react /意向调查：/ 👎",
        "expect-no-english",
        "@bob /rfc temperature RFC-1 --for 1m",
        "expect /--for 须在 .* 之间。用法：\\/rfc temperature RFC/",
        "expect-no-english",
        "@alice /rfc withdraw RFC-1",
        "@bob /rfc temperature RFC-1",
        "expect /RFC-1 已撤回；意向调查不会改变任何事/",
        "expect-no-english",
        "@alice /config assess",
        "expect /⚖️ 评估权重：--consensus：reviews=0.35、concerns=0.25/",
        "expect-no-english",
        "@alice /config assess --consensus reviews=2",
        "expect /--consensus 的权重 reviews=2.0 超出 0..1 的范围。用法：/",
        "expect-no-english",
        "@alice /config assess --risk foo=1",
        "expect /--risk 没有“foo”这项权重（可用：breaking、unresolved、changes、missing）/",
        "expect-no-english",
        "@alice /config assess --consensus reviews",
        "expect /“reviews”不是 名称=值 的形式/",
        "expect-no-english",
        "@alice /config assess --consensus reviews=x",
        "expect /“x”不是数字/",
        "expect-no-english",
        "@alice /config assess --consensus reviews=0,concerns=0,vote=0,temperature=0",
        "expect /--consensus 的各项权重之和为 0/",
        "expect-no-english",
        "@alice /config assess --consensus reviews=0.5",
        "expect /评估权重已保存/",
        "@alice /config assess --reset",
        "expect /恢复默认值/",
        "expect-no-english",
    )
    printed(
        s,
        r"回复: 👍 支持 0 · 👀 不确定 0 · 👎 反对 0",
        r"RFC-1 的意向调查已结束（无约束力）：👍 支持 1，👀 不确定 1，👎 反对 0。",
    )


async def test_every_other_rfc_subcommand_in_chinese_has_no_english(script: Script) -> None:
    s = await script(
        *ZH,
        "@alice /config rfc --review-window 2d --stale-window 5d",
        "expect /评审期现为 2天，停滞期现为 5天/",
        "expect-no-english",
        '@alice /rfc propose ""',
        "expect /标题为空。用法：/",
        "@alice /rfc propose 采用 --type nonsense",
        "expect /不在可选值 technical、governance、community 之中/",
        "@alice /rfc propose 采用 --link notalink",
        "expect /“notalink”不是链接/",
        "expect-no-english",
        '@alice /rfc propose "采用行为准则" --type governance --link https://example.org/coc',
        "expect /类型: 治理/",
        "expect-no-english",
        "@bob reply /RFC-1（/ 好主意，但谁来执行？",
        "expect /1 人发表了 1 条评论/",
        "@alice /rfc show RFC-1",
        "expect /现在可以：fcp、vote、withdraw、postpone。/",
        "expect-no-english",
        "@alice /rfc reviewers RFC-1 @carol @dan",
        "expect /已邀请 @carol、@dan 评审 RFC-1/",
        "@carol /rfc review RFC-1 approve 很好",
        "expect /📝 @carol 批准了 RFC-1：很好/",
        "@dan /rfc review RFC-1 changes",
        "expect /📝 @dan 要求 RFC-1 作出修改。/",
        "@dan /rfc review RFC-1 maybe",
        "expect /不在可选值 approve、changes 之中/",
        "expect-no-english",
        '@bob /rfc concern RFC-1 ""',
        "expect /异议为空/",
        '@bob /rfc concern RFC-1 "先明确执行团队"',
        "@alice /rfc fcp RFC-1 accept --for 3d",
        "expect /拟议处理为 \\*\\*通过\\*\\*/",
        "expect-no-english",
        "@alice /rfc vote RFC-1",
        "expect /“vote”在最终评议期阶段不可用/",
        "@bob /rfc resolve RFC-1 1",
        "expect /RFC-1 的异议 #1 已由 @bob 解决。/",
        "expect-no-english",
        "@alice /rfc list",
        "@alice /rfc list --stage accepted",
        "expect /没有符合条件的提案/",
        "@alice /rfc list --page 9",
        "expect /第 9 页超出范围：共 1 项，1 页/",
        "expect-no-english",
        "advance 3d",
        "expect /现在已通过/",
        "expect-no-english",
        "@alice /rfc implemented RFC-1 https://example.org/coc",
        "expect /🚀 RFC-1 已实施：https:\\/\\/example.org\\/coc/",
        "expect-no-english",
        "@alice /rfc log RFC-1",
        "expect /@alice 邀请评审：@carol、@dan/",
        "expect-no-english",
        # A vote decides the second; the log shows the outcome and the decision record.
        '@bob /rfc propose "第二个提案"',
        "@bob /rfc vote RFC-2 --for 1d",
        "expect /投票: #1 进行中/",
        "expect-no-english",
        "@carol /vote cast 1 赞成",
        "advance 1d",
        "expect /投票: #1 已结束：通过/",
        "expect-no-english",
        "@alice /rfc log RFC-2",
        "expect /决策记录 #1：通过（赞成 1、反对 0、弃权 0/",
        "expect-no-english",
        # The timers: a review reminder, a nudge when quiet, a postponement that ends.
        '@bob /rfc propose "第三个提案"',
        "@bob /rfc reviewers RFC-3 @carol",
        "advance 2d",
        "expect /⏰ 提醒：有人邀请你评审 #general 中的 RFC-3/",
        "expect-no-english",
        "advance 4d",
        "expect /👋 RFC-3 已沉寂/",
        "expect-no-english",
        '@bob /rfc postpone RFC-3 --until "3天后"',
        "expect /RFC-3 已被 @bob 推迟至 .*，届时回到讨论阶段。/",
        "expect-no-english",
        "advance 3d",
        "expect /RFC-3 的推迟期已结束：回到讨论阶段/",
        "expect-no-english",
        "@bob /rfc postpone RFC-3",
        "expect /💤 RFC-3 已被 @bob 推迟。/",
        "@bob /rfc reopen RFC-3",
        "expect /RFC-3 回到讨论阶段（由 @bob 重新打开）/",
        "@bob /rfc withdraw RFC-3",
        "expect /↩️ RFC-3 已被 @bob 撤回/",
        "expect-no-english",
        "@alice /rfc log RFC-3",
        "expect /从已推迟进入讨论中（推迟期结束）/",
        "expect-no-english",
        "@bob /config rfc --review-window 3d",
        "expect /仅限管理员/",
        "@alice /config rfc --stale-window 10d",
        "expect /停滞期现为 10天/",
        "expect-no-english",
        "@alice /help rfc",
        "expect-no-english",
        "@alice /help rfc vote",
        "expect-no-english",
        "@alice /rfc nonsense",
        "expect-no-english",
    )
    printed(
        s,
        r"评审: @carol 批准、@dan 要求修改",
        r"最终评议期（拟通过），因 1 条未解决的异议暂停",
        r"最终评议期（拟通过）恢复",
        r"实施: https",
        r"@carol 批准：很好",
        r"@alice 开始最终评议期，拟通过，为期 3天",
        r"最终评议期结束，没有未解决的异议：通过",
        r"从最终评议期进入已通过（默认共识）",
        r"决策时的评估：共识度",
        r"@alice 将其标记为已实施：https",
        r"从投票中进入已通过（投票 #1 通过）",
    )


async def test_rfc_public_posts_keep_the_communitys_language(script: Script) -> None:
    s = await script(
        *ZH,
        "@bob /me language en",
        "expect-no-english now speaks English to you",
        '@alice /rfc propose "采用行为准则"',
        '@bob /rfc concern RFC-1 "先明确执行团队"',
        "expect /⚠️ @bob 对 RFC-1 提出异议 #1：先明确执行团队/",
        "@bob /rfc review RFC-1 approve",
        "expect /📝 @bob 批准了 RFC-1。/",
        "@bob /rfc temperature RFC-1",
        "expect /RFC-1 的意向调查/",
        "expect-no-english",
        "@bob /rfc resolve RFC-1 7",
        "expect /RFC-1 has no concern #7/",
    )
    printed(
        s,
        r"未解决的异议: #1 先明确执行团队",
        r"评审: @bob 批准",
    )


def test_help_texts_built_from_constants_match_them(registry: Registry) -> None:
    # The catalog only has literals; these two spell out a constant.
    from bot import paging
    from commands import certs

    assert f"({paging.PAGE_SIZE} a page)" in (paging.PAGE_PARAM.help or "")
    spec = registry.find("cert", "import")
    assert spec is not None and f"${certs.BANK_DIR_ENV}," in spec.details


async def test_spans_are_stored_typed_and_shown_in_the_readers_words(script: Script) -> None:
    """A Chinese community's settings, timeline and audit keep the typed form ("3d"), which
    reads back in any language; only what is shown is in Chinese ("3天")."""
    s = await script(
        *ZH,
        "@alice /config rfc --review-window 2d --stale-window 5d",
        '@alice /rfc propose "采用行为准则"',
        "@alice /rfc fcp RFC-1 accept --for 3d",
        "@alice /me language en",
        "@alice /rfc log RFC-1",
        "expect /final comment period to accept for 3d/",
    )
    with s.db.transaction() as tx:
        row = tx.execute(select(Community.settings)).scalar_one()
        spans = [
            a.detail.get("span")
            for a in tx.execute(select(AuditLog)).scalars()
            if a.action == "rfc.fcp"
        ]
    assert row["rfc.review_window"] == "2d" and row["rfc.stale_window"] == "5d"
    assert spans == ["3d"]
