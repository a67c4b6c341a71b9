"""Every list that can grow pages (--page N) and says which part it shows."""

from __future__ import annotations

from tests.conftest import Script

PEOPLE = "roles alice=admin bob="


async def test_vote_list_pages(script: Script) -> None:
    starts = [f'@alice /vote start "Q{i}?" --for 1d' for i in range(1, 62)]
    s = await script(PEOPLE, *starts)
    await script(
        "@bob /vote list",
        "expect /#61 Q61\\?[\\s\\S]*#32 Q32\\?\\s.*\\n  "
        "showing 1-30 of 61; next: \\/vote list --page 2/",
        "@bob /vote list --page 3",
        "expect /#1 Q1\\? .*\\n  showing 61-61 of 61$/",
        "@bob /vote list --page 4",
        "expect /page 4 is past the end: there are 3 page\\(s\\) of 61/",
        "@bob /vote list --page 0",
        "expect /--page counts from 1, not 0/",
        "@bob /vote list --open --page 2",
        "expect /showing 31-60 of 61/",
        session=s,
    )


async def test_decisions_and_rfc_lists_page(script: Script) -> None:
    lines = []
    for i in range(1, 33):
        lines += [f'@alice /vote start "Q{i}?"', f"@alice /vote cancel {i} --reason r{i}"]
    lines += [f'@alice /rfc propose "Idea {i}"' for i in range(1, 32)]
    s = await script(PEOPLE, *lines)
    await script(
        "@bob /decisions list",
        "expect /D numbers are their own[\\s\\S]*"
        "showing 1-30 of 32; next: \\/decisions list --page 2/",
        "@bob /decisions list --page 2",
        "expect /D1 cancelled: Q1\\? \\(vote #1, [^)]*\\)\\n  showing 31-32 of 32$/",
        "@bob /rfc list",
        "expect /RFC-31 Idea 31[\\s\\S]*showing 1-30 of 31; next: \\/rfc list --page 2/",
        "@bob /rfc list --page 2",
        "expect /RFC-1 Idea 1 .*\\n  showing 31-31 of 31$/",
        session=s,
    )


async def test_a_short_list_has_no_paging_note(script: Script) -> None:
    await script(
        PEOPLE,
        '@alice /vote start "Pick?" --kind ranked --options A,B,C --for 1h',
        "@alice /vote rank 1 B A C",
        "@bob /vote rank 1 B C A",
        "advance 1h",
        "@bob /vote list",
        "expect /#1 Pick\\? \\(won by B, 2 voters\\)/",
        "expect-not /showing/",
        "@bob /decisions list",
        "expect /D1 won by B: Pick\\?/",
    )
