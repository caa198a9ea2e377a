"""Reading contact cells: email addresses, phone numbers and websites."""

from __future__ import annotations

import re

from app.i18n import MESSAGES
from app.imports.reading import Read

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
_PHONE = re.compile(r"^([\d\s+\-()./]+?)(?:\s*(?:ext|x)\.?\s*(\d{1,6}))?$", re.IGNORECASE)


def email_address(value: str) -> Read[str | None]:
    """An email address in lower case, or ``None`` (and a doubt) when it is not one."""
    text = value.strip().removeprefix("mailto:").strip()
    if not text:
        return Read(None)
    if len(text) > 254 or not _EMAIL.match(text):
        return Read(None, MESSAGES.gettext("{text} is not an email address; left out", text=repr(text)))
    return Read(text.lower())


_PHONE_LABEL = re.compile(
    r"^(?:t[eé]l[eé]?(?:phone|fono)|t[eé]l|phone|mob(?:ile)?|cell(?:ular)?|cel(?:ular)?|m[oó]vil|portable|port|gsm|whatsapp|"
    r"fixe|fijo|office|bureau|oficina|t|m|p)\.?\s*[:.]?\s*(?=[\d+(])",
    re.IGNORECASE,
)
_PHONE_SEPARATORS = re.compile(r"\s*(?:[,;|\n]|\s/\s|\s+(?:or|ou|o|and|et|y)\s+)\s*", re.IGNORECASE)
_EMAIL_IN_TEXT = re.compile(r"[^@\s<>(),;:/\"\[\]]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
PHONE_LENGTH = 50


def emails_in(value: str) -> list[str]:
    """The e-mail addresses written anywhere in a cell ("+254 700 123456 / grace@lakefishers.ug")."""
    return _EMAIL_IN_TEXT.findall(value)


def _one_phone(text: str) -> str | None:
    found = _PHONE.match(_PHONE_LABEL.sub("", text.strip()))
    if found is None or not 5 <= sum(char.isdigit() for char in found[1]) <= 40:
        return None
    number = found[1].strip()
    return f"{number} ext. {found[2]}" if found[2] else number


def phone_number(value: str) -> Read[str | None]:
    """The phone numbers of a cell as written (digits, spaces, + - ( ) . / and "ext. 12"), without their labels
    ("Tel:", "Mob.", "Cel:") and without an e-mail address written beside them (``emails_in`` finds it); several
    numbers are kept together ("0700 123456 / 0711 222333"). ``None`` and a doubt when no number is readable."""
    text = " ".join(_EMAIL_IN_TEXT.sub(" ", value).split()).strip(" -/,;")
    if not text:
        return Read(None)
    parts = [part for part in _PHONE_SEPARATORS.split(text) if part and part.strip(" -/")]
    numbers = [_one_phone(part) for part in parts]
    readable = [number for number in numbers if number]
    if not readable or len(value) > 200:
        return Read(
            None, MESSAGES.gettext("{values} is not a phone number; left out", values=repr(" ".join(value.split())))
        )
    kept: list[str] = []
    for number in readable:
        if len(" / ".join([*kept, number])) > PHONE_LENGTH:
            break
        kept.append(number)
    left = [part for part, number in zip(parts, numbers, strict=True) if number not in kept]
    doubt = f"phone: {', '.join(repr(part) for part in left)} left out" if left else None
    return Read(" / ".join(kept), doubt)


def website_address(value: str) -> Read[str | None]:
    """A web address with its scheme (``www.x.org`` → ``https://www.x.org``), or ``None`` and a doubt."""
    text = value.strip()
    if not text:
        return Read(None)
    if not text.lower().startswith(("http://", "https://")):
        text = f"https://{text}"
    host = text.split("//", 1)[1].split("/", 1)[0]
    if len(text) > 500 or " " in text or "." not in host:
        return Read(None, MESSAGES.gettext("{strip} is not a web address; left out", strip=repr(value.strip())))
    return Read(text)
