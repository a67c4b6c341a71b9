"""The certification track the e2e exams take on every platform, and how a candidate who
knows the answers picks one: options are shuffled per candidate and shown numbered."""

from __future__ import annotations

import re

QUESTIONS = """
[[questions]]
id = "conduct"
text = "Where does the code of conduct apply?"
options = ["Only in the main room", "Everywhere the community meets", "Nowhere"]
correct = 2

[[questions]]
id = "security"
text = "Where do you report a security issue?"
options = ["A public issue", "The security contact, privately", "The general chat"]
correct = 2
"""
RIGHT = {
    "Where does the code of conduct apply?": "Everywhere the community meets",
    "Where do you report a security issue?": "The security contact, privately",
}


def bank(role: str | None = None) -> str:
    """The steward track; with a role, passing it grants that role."""
    granted = f'role = "{role}"\n' if role else ""
    return f"""
[track]
slug = "steward"
name = "Certified Steward"
draw = 2
time_limit = "20m"
pass_mark = "100%"
cooldown = "1d"
{granted}{QUESTIONS}"""


def right_number(text: str) -> int:
    """The shown number (1-based) of the right option in a question's text."""
    question = next(k for k in RIGHT if k in text)
    options = [line for line in text.splitlines() if re.match(r"\d+\. ", line)]
    return next(i for i, line in enumerate(options, 1) if RIGHT[question] in line)
