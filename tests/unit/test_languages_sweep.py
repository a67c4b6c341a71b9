"""Every command of every capability but /rfc, run in a Chinese community on the console:
each printed block is checked with `expect-no-english` (what stays English is what people
type: command and option names, typed values, ids, names and their own words). Beside the
sweep: /ticket stats, /audit list's action names and the console's own headers in
Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest

from commands.certs import BANK_DIR_ENV
from tests.conftest import Script

ZH = ("@alice /config language zh-Hans", "expect /简体中文/")
BANK = """
[track]
slug = "kaifa"
name = "认证开发者"
draw = 2
time_limit = "30m"
pass_mark = 0.5
cooldown = "1d"

[[questions]]
id = "q1"
text = "提案什么时候需要 RFC？"
options = ["从不", "改变公共接口时", "只改错字时"]
correct = 2

[[questions]]
id = "q2"
text = "投票的法定人数是什么？"
options = ["最少参与人数", "最多人数"]
correct = 1
"""


def checked(*lines: str, keep: str = "") -> list[str]:
    """The lines, each person's line and each `advance` followed by the no-English rule."""
    out: list[str] = []
    for line in lines:
        out.append(line)
        if line.startswith(("@", "advance")):
            out.append(f"expect-no-english {keep}".strip())
    return out


async def test_every_vote_command_in_chinese(script: Script) -> None:
    await script(
        "roles alice=admin bob=tc carol=tc dave=",
        *ZH,
        *checked(
            "@alice /config timezone Asia/Shanghai",
            "@alice /config role moderator @tc",
            "@alice /config vote-type 政策 --rule 2/3 --quorum 3 --duration 2d",
            "@alice /config vote-reminders 24h,1h",
            "@alice /config weight tc 2",
            "channel #votes",
            '@alice /vote start "采用第二版接口？" --for 72h',
            "@bob click /采用第二版接口/ 赞成",
            "@carol react /采用第二版接口/ 👎",
            "@dave /vote cast 1 反对 不同意",
            "@carol /vote retract 1",
            "@alice /vote show 1",
            "@alice /vote roster 1",
            "@alice /vote remind 1",
            "@alice /vote extend 1 1d",
            "advance 96h",
            '@alice /vote start "哪个议题先讲？" --kind ranked --options 甲,乙,丙 --for 1h',
            "@bob /vote rank 2 乙 甲 丙",
            "@carol /vote rank 2 甲 乙 丙",
            "@dave /vote rank 2 乙 丙 甲",
            "advance 1h",
            '@alice /vote start "谁主持？" --options 北京,上海 --secret --for 1h',
            "@bob dm /vote cast 3 上海",
            "@carol dm /vote cast 3 北京",
            "@alice /vote show 3",
            "advance 1h",
            '@alice /vote start "选哪些？" --kind multi --options 甲,乙,丙 --for 1h --quorum 50%',
            "@bob /vote cast 4 甲,乙",
            "@alice /vote close 4",
            '@alice /vote start "要取消的" --for 1h',
            "@alice /vote cancel 5 --reason 重复了",
            '@alice /vote start "能否否决" --allow-block --hide-results --for 1h',
            "@bob /vote cast 6 block",
            "@bob /vote cast 6 block 有风险",
            '@alice /vote start "按类型" --type 政策',
            "@alice /vote roster 7 --refresh",
            "@alice /vote list",
            "@alice /vote list --closed",
            "@alice /decisions list",
            "@alice /decisions show 1",
            "@alice /decisions show 2",
            "@dave /vote close 1",
            "@dave /vote remind 6",
            "@bob /vote cast 99 赞成",
            "@bob /vote cast abc",
            "@bob /vote start",
            '@bob /vote start "x" --for 100d',
            '@bob /vote start "x" --kind weird',
            '@bob /vote start "x" --type 没有',
            "@bob /vote rank 1 甲",
            "@bob /vote list --page 9",
            "@alice /config show",
            "@alice /audit list",
            "@alice /help vote",
            "@alice /help decisions",
            keep="console local weird",
        ),
    )


async def test_every_event_command_in_chinese(script: Script) -> None:
    await script(
        "roles alice=admin bob= carol= dave=",
        *ZH,
        *checked(
            "@alice /config channel events #events",
            "channel #events",
            '@alice /event create "发布派对" --at "in 2d" --capacity 2 --where "二号会议室" '
            "--remind 1h --for 2h --claim-within 1h",
            "@bob click /📅 活动 #1/ 参加",
            "@carol /event rsvp 1 going",
            "@dave /event rsvp 1 going",
            "@dave /event rsvp 1 maybe",
            "@bob /event rsvp 1 no",
            "@alice /event show 1",
            "@alice /event who 1",
            "@alice /event list",
            "@alice /event list --mine",
            "@alice /event ics 1",
            '@alice /event edit 1 --title "新的派对" --capacity 3',
            "@alice /event feed",
            "@alice /event feed --url https://example.org",
            '@alice /event create "周会" --at "2026-01-12 10:00" --repeat weekly '
            '--until 2026-02-28 --min 2 --decide-before 1d --rsvp-until "2026-01-11 10:00"',
            "@bob /event rsvp 2 going",
            "advance 1d",
            "@alice /event cancel 2 --reason 下雨 --scope following",
            '@alice /event create "坏" --at "in 1d" --capacity -3',
            "@bob /event edit 1 --title 抢",
            "@bob /event rsvp 99 going",
            "@bob /event rsvp 1 perhaps",
            "@alice /event show abc",
            "advance 2d",
            "@alice /event list --past",
            "@alice /audit list",
            "@alice /help event",
            keep="alice bob carol dave perhaps FREQ WEEKLY ics",
        ),
    )


async def test_every_ticket_command_in_chinese(script: Script) -> None:
    s = await script(
        "roles alice= sam=support mo=moderator pat=support",
        "@mo /config language zh-Hans",
        *checked(
            "@mo /config channel support-staff #support-staff",
            "@mo /config role support @support",
            "@mo /config ticket level premium --first-response 2h --resolution 1d",
            "@mo /config ticket level premium --first-response 30m",
            "@mo /config ticket level-role premium @alice",
            '@mo /config ticket canned restart "请重启应用后再试。"',
            '@mo /config ticket hours "Mon-Fri 09:00-17:00" --zone Asia/Shanghai',
            "@mo /config ticket holiday 2026-12-25",
            "@mo /config ticket limits --limit 3 --cooldown 10m",
            "@mo /config ticket inactivity --warn-after 2d --close-after 1d",
            "@mo /config ticket show",
            '@mo /config ticket hours "Mon-Fri 09:00"',
            '@alice /ticket open "升级后无法登录" --priority high --details "每次都报错"',
            "@sam click /由 @alice 提交/ 认领",
            "@sam reply /由 @alice 提交/ 你用哪个浏览器？",
            "@sam /ticket status waiting 1",
            "@alice reply /🎫 工单 #1/ 火狐 128",
            "@sam /ticket note 1 看起来是缓存的问题",
            "@sam /ticket priority urgent 1",
            "@sam /ticket show 1",
            "@sam /ticket list",
            "@sam /ticket list --breaching",
            "@sam /ticket transfer @pat 1",
            "@pat /ticket unclaim 1",
            "@pat /ticket claim 1",
            "@pat /ticket assign @sam 1",
            "@sam /ticket reply-with restart 1",
            "@sam /ticket status close 1 --reason 已修复",
            "@alice click /不，我还需要帮助/ 是的，关闭它",
            "@alice /ticket rate 1 5 很好",
            "@sam /ticket transcript 1",
            "@sam /ticket to-kb 1",
            "@alice /ticket reopen 1",
            "@sam /ticket stats",
            "@mo /ticket panel #help",
            '@alice /ticket open "第二个问题"',
            "@alice /ticket stats",
            "@alice /ticket claim 2",
            "@alice /ticket rate 2 9",
            "@sam /ticket show 99",
            "@sam /ticket list --closed",
            "advance 3d",
            "@mo /audit list",
            "@mo /help ticket",
            keep="premium restart alice sam pat mo Mon Fri help",
        ),
    )
    shown = "\n".join(s.adapter.blocks)
    assert "自 " in shown and "起的工单：" in shown and "• 级别 premium：" in shown
    assert "• 支持人员 @sam：" in shown and "Tickets since" not in shown


async def test_feedback_kb_kudos_cert_me_config_help_in_chinese(
    script: Script, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "zh.toml").write_text(BANK, encoding="utf-8")
    monkeypatch.setenv(BANK_DIR_ENV, str(tmp_path))
    await script(
        "roles alice=admin bob= carol= dan= newcomer=",
        *ZH,
        *checked(
            "@alice /config channel feedback #feedback",
            '@bob /feedback "文档网站需要暗色模式" --category idea',
            "@carol click /📝 反馈 #1/ 👍 支持",
            "@carol say 搜索框忽略了重音符号",
            "@dan react /搜索框/ 📝",
            '@alice /feedback status 1 under-review --comment "正在研究主题"',
            "@alice /feedback status 1 planned",
            "@alice /feedback priority 1 high",
            "@carol /feedback up 1",
            "@carol /feedback unup 1",
            '@bob /feedback "重复的" --anonymous',
            "@alice /feedback merge 3 1",
            "@alice /feedback list",
            "@alice /feedback list --top",
            "@alice /feedback show 1",
            "@alice /feedback stats",
            "@alice /feedback status 1 done --comment 完成了",
            "@bob /feedback status 1 declined",
            "@bob /feedback show 99",
            "@alice /config feedback --rfc-threshold 5 --reply private",
            "@alice /config feedback --categories 缺陷",
            '@alice /kb add "如何报告安全问题？" "请发邮件到 security@example.org，不要公开提问。" '
            "--tags 安全,流程",
            '@alice /kb add "构建失败怎么办？" "如果你的构建失败了，请先清理缓存再重新运行测试。"',
            "@bob /kb search 安全问题",
            "@bob /kb search 缓存",
            "@bob /kb search 不存在的词",
            "@bob /kb show 1",
            "@alice /kb edit 1 --tags 安全",
            "@alice /kb stats",
            "@alice /kb suggestions 1h",
            "@alice /config channel support #support",
            "channel #support",
            "@carol say 我的构建一直失败",
            "channel #general",
            "@alice /kb remove 2",
            "@bob /kb remove 1",
            "@bob /kb show 99",
            '@alice /config onboarding text "欢迎加入项目！在 #general 打个招呼。"',
            "@alice /config onboarding link docs https://example.org/docs",
            "@alice /onboarding preview",
            "@newcomer join",
            "@alice /onboarding off",
            "@alice /onboarding on",
            "@alice /config channel recognition #thanks",
            '@bob /kudos @carol docs "重写了安装指南"',
            '@bob /kudos @bob docs "我自己"',
            "@alice /kudos of @carol",
            "@alice /kudos top",
            "@alice /kudos top --since 7d --category docs",
            "@alice /config kudos --daily-limit 5 --milestones 1,5",
            "@alice /cert import zh.toml",
            "@alice /cert tracks",
            "@bob /cert apply kaifa",
            "@bob dm /cert answer 1",
            "@bob dm /cert answer 2",
            "@bob dm /cert answer 9",
            "@bob /cert list",
            "@alice /cert stats kaifa",
            "@alice /cert verify NOPE-123",
            "@alice /cert revoke NOPE-123 --reason 作弊",
            "@bob /cert apply nothing",
            "@alice /me timezone Asia/Shanghai",
            "@alice /me timezone",
            "@alice /me reminders off",
            "@alice /me notifications feedback off",
            "@alice /me language",
            "@alice /config role voter-group core @maintainers",
            "@alice /config channel votes #votes",
            "@alice /config show",
            "@bob /config show",
            "@bob /audit list",
            "@alice /audit list",
            '@alice /audit list --since "2030-01-01 00:00"',
            *(
                f"@alice /help {c}"
                for c in (
                    "",
                    "config",
                    "feedback",
                    "kudos",
                    "cert",
                    "kb",
                    "me",
                    "audit",
                    "onboarding",
                    "nonsense",
                )
            ),
            "@alice /nonsense",
            "@alice /vote",
            keep="console local idea docs kaifa MOOT KAI NOPE nothing nonsense security "
            "maintainers core alice bob carol dan",
        ),
    )


async def test_audit_actions_and_console_headers_speak_chinese(script: Script) -> None:
    s = await script(
        "roles alice=admin bob=",
        *ZH,
        '@alice /vote start "采用？" --for 1d',
        "@alice /vote extend 1 2h",
        "@bob dm /vote cast 1 赞成",
        "@alice /audit list",
        "expect /(?s)延长投票: 投票编号 1 截止时间 .*（原为 .*"
        "发起投票: 投票编号 1 问题 采用？.*设置语言: 语言 zh-Hans （原为 en）/",
        "expect-no-english",
    )
    shown = "\n".join(s.adapter.blocks)
    assert "[仅 @alice 可见]" in shown and "[私信 @" in shown and "已编辑" in shown
    assert not any(w in shown for w in ("[only @", "[DM @", " edited", "vote start", "(was "))


async def test_event_confirmations_are_whole_chinese_sentences(script: Script) -> None:
    """Each confirmation is one sentence of the catalog, so it ends in 。, not an English
    full stop glued on; the feed token's setting has a Chinese name in /config show."""
    await script(
        "roles alice=admin bob= carol= dave=",
        *ZH,
        '@alice /event create "月会" --at "2026-01-06 17:00" --capacity 1 --claim-within 1h',
        "expect /✅ 活动 #1 已创建，时间 2026年1月6日 星期二 17:00 UTC。$/",
        '@alice /event create "周会" --at "2026-01-12 10:00" --repeat weekly --until 2026-02-28',
        "expect /✅ 活动 #2 已创建，时间 .*，重复规则：.*。$/",
        "@bob /event rsvp 1 going",
        "expect /✅ 活动 #1“月会”，时间 2026年1月6日 星期二 17:00 UTC：你会参加。$/",
        "@carol /event rsvp 1 going",
        "expect /活动 #1“月会”，时间 .*：你在候补名单上（排在第 1 位；"
        "有名额空出时你会依次递补）。$/",
        "@bob /event rsvp 1 no",
        "expect /❌ 活动 #1“月会”，时间 .*：你不参加。$/",
        "@alice /config show",
        "expect /活动日历订阅令牌/",
        "expect-no-english console local",
    )


async def test_a_wrong_option_lists_the_options_in_the_readers_words(script: Script) -> None:
    await script(
        "roles alice=admin bob=",
        *ZH,
        '@alice /vote start "发布 2.0？" --for 30m',
        "@bob /vote cast 1 abc",
        "expect /'abc' 不是可选项：可用 赞成、反对、弃权。用法：/",
        "expect-no-english",
        "@bob /vote cast 1 反对",
        "expect /你在 #1 上的选择是 \\*\\*反对\\*\\*/",
    )
