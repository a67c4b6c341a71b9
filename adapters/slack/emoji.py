"""Slack reaction names <-> Unicode. Slack reports reactions by short name (`thumbsup`,
`+1`, `one::skin-tone-2`); the core compares Unicode, so both directions live here. The
table covers the emoji the core puts on choices (keycaps one..ten, regional indicators) and
the common reactions people use for agreement, dissent and attention."""

from __future__ import annotations

import unicodedata

_VS16 = "\ufe0f"
_KEYCAP = "\u20e3"

_NUMBER_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

NAME_TO_UNICODE: dict[str, str] = {
    **{name: f"{i}{_VS16}{_KEYCAP}" for i, name in enumerate(_NUMBER_NAMES)},
    "keycap_ten": "🔟",
    "hash": f"#{_VS16}{_KEYCAP}",
    "keycap_star": f"*{_VS16}{_KEYCAP}",
    **{f"regional_indicator_{chr(97 + i)}": chr(0x1F1E6 + i) for i in range(26)},
    "thumbsup": "👍",
    "+1": "👍",
    "thumbsdown": "👎",
    "-1": "👎",
    "white_check_mark": "✅",
    "heavy_check_mark": f"✔{_VS16}",
    "ballot_box_with_check": f"☑{_VS16}",
    "x": "❌",
    "negative_squared_cross_mark": "❎",
    "heavy_multiplication_x": f"✖{_VS16}",
    "no_entry": "⛔",
    "no_entry_sign": "🚫",
    "raised_hand": "✋",
    "hand": "✋",
    "wave": "👋",
    "ok_hand": "👌",
    "clap": "👏",
    "pray": "🙏",
    "muscle": "💪",
    "raised_hands": "🙌",
    "point_up": f"☝{_VS16}",
    "tada": "🎉",
    "eyes": "👀",
    "heart": f"❤{_VS16}",
    "fire": "🔥",
    "rocket": "🚀",
    "star": "⭐",
    "sparkles": "✨",
    "100": "💯",
    "smile": "😄",
    "slightly_smiling_face": "🙂",
    "joy": "😂",
    "thinking_face": "🤔",
    "confused": "😕",
    "neutral_face": "😐",
    "shrug": "🤷",
    "question": "❓",
    "grey_question": "❔",
    "exclamation": "❗",
    "warning": f"⚠{_VS16}",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "calendar": "📆",
    "date": "📅",
    "spiral_calendar_pad": f"🗓{_VS16}",
    "memo": "📝",
    "pushpin": "📌",
    "bell": "🔔",
    "speech_balloon": "💬",
    "ticket": "🎫",
    "ballot_box_with_ballot": f"🗳{_VS16}",
    "lock": "🔒",
    "unlock": "🔓",
    "arrow_up": f"⬆{_VS16}",
    "arrow_down": f"⬇{_VS16}",
    "large_green_circle": "🟢",
    "large_yellow_circle": "🟡",
    "red_circle": "🔴",
    "white_circle": "⚪",
    "black_circle": "⚫",
    "heavy_plus_sign": "➕",
    "heavy_minus_sign": "➖",
    "zzz": "💤",
}

# Several names for one emoji: the first listed in the table above is the one we send.
UNICODE_TO_NAME: dict[str, str] = {}
for _name, _char in NAME_TO_UNICODE.items():
    UNICODE_TO_NAME.setdefault(_char.replace(_VS16, ""), _name)


def _bare(key: str) -> str:
    return unicodedata.normalize("NFC", key).replace(_VS16, "")


def to_unicode(name: str) -> str:
    """`thumbsup` -> 👍, `+1::skin-tone-3` -> 👍. Skin tones are dropped: people set a
    default tone in Slack, and their reaction still has to mean the choice it stands for.
    Unknown names (custom emoji) come back as `:name:`, comparable but matching no choice."""
    base = name.strip(":").split("::", 1)[0]
    return NAME_TO_UNICODE.get(base, f":{base}:")


def strip_skin_tone(key: str) -> str:
    return "".join(ch for ch in key if not 0x1F3FB <= ord(ch) <= 0x1F3FF)


def to_name(key: str) -> str | None:
    """👍 -> thumbsup; `:custom:` -> custom; unknown Unicode -> None."""
    if key.startswith(":") and key.endswith(":") and len(key) > 2:
        return key[1:-1]
    return UNICODE_TO_NAME.get(_bare(strip_skin_tone(key)))
