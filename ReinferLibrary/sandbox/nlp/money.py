"""Monetary quantities, formatted as the product documentation describes.

"1M USD", "USD 1000000" and "1,000,000 usd" all become ``1,000,000.00 USD`` (amount, space,
ISO code). When the currency is ambiguous the symbol is kept instead of guessing: "$1M" and
"$1,000,000" become ``$1,000,000.00`` because "$" may be Canadian or Australian as well as US.
"£" and "€" are unambiguous, so "£45.99" becomes ``45.99 GBP``.

Amount strings go through price-parser's number parser, which settles thousands and decimal
separators in both English ("1,000.50") and continental ("1.000,50") writing. An amount too
long to keep to the penny (more than 26 digits before the decimal point) is not money: it is
skipped rather than failing the comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from price_parser.parser import parse_number

_CODES = [
    "USD", "GBP", "EUR", "CAD", "AUD", "NZD", "CHF", "JPY", "CNY", "INR", "HKD", "SGD", "SEK", "NOK",
    "DKK", "PLN", "CZK", "HUF", "ZAR", "AED", "MXN", "BRL",
]  # fmt: skip
# Symbols and words that name exactly one currency; "$", "dollars" and "¥" do not.
_UNAMBIGUOUS = {
    "£": "GBP",
    "€": "EUR",
    "us$": "USD",
    "c$": "CAD",
    "ca$": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "nz$": "NZD",
    "hk$": "HKD",
    "₹": "INR",
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "sterling": "GBP",
    "euro": "EUR",
    "euros": "EUR",
}
_AMBIGUOUS = {"$": "$", "¥": "¥", "dollar": "$", "dollars": "$"}
_MULTIPLIERS = {
    "k": Decimal(1000),
    "thousand": Decimal(1000),
    "m": Decimal(1000000),
    "mn": Decimal(1000000),
    "mil": Decimal(1000000),
    "million": Decimal(1000000),
    "bn": Decimal(1000000000),
    "billion": Decimal(1000000000),
}

_CODE = "(?:" + "|".join(_CODES) + ")"
_SYMBOL = r"(?:us\$|c\$|ca\$|a\$|au\$|nz\$|hk\$|[$£€¥₹])"
_WORD = r"(?:pounds?|quid|sterling|euros?|dollars?)"
_AMOUNT = r"(?:\d{1,3}(?:[,.]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
# Letters stick to the number ("1M"); words may stand apart ("1 million").
_MULTIPLIER = r"(?:(?:k|m|mn|bn)\b|\s?(?:thousand|million|billion|mil)\b)"
_MONEY = re.compile(
    rf"(?<![\w$£€¥₹.,])(?:"
    rf"(?:(?P<code1>{_CODE})\s?)?(?P<sym1>{_SYMBOL})\s?(?P<amt1>{_AMOUNT})(?P<mul1>{_MULTIPLIER})?"
    rf"(?:\s?(?P<code1b>{_CODE})\b)?"
    rf"|(?P<code2>{_CODE})\s?(?P<amt2>{_AMOUNT})(?P<mul2>{_MULTIPLIER})?"
    rf"|(?P<amt3>{_AMOUNT})(?P<mul3>{_MULTIPLIER})?\s?(?:(?P<code3>{_CODE})\b|(?P<word3>{_WORD})\b|(?P<sym3>[€£]))"
    rf")(?![\w$£€¥₹]|[.,]\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MoneyMatch:
    start: int
    end: int
    formatted_value: str


def find_money(text: str) -> list[MoneyMatch]:
    """Every monetary amount in ``text`` with a currency (symbol, ISO code or word) attached."""
    matches = []
    for found in _MONEY.finditer(text):
        value = _format(found)
        if value is not None:
            matches.append(MoneyMatch(found.start(), found.end(), value))
    return matches


def _format(found: re.Match[str]) -> str | None:
    groups = found.groupdict()
    amount_text = groups["amt1"] or groups["amt2"] or groups["amt3"]
    multiplier_text = groups["mul1"] or groups["mul2"] or groups["mul3"]
    amount = _amount(amount_text, multiplier_text)
    if amount is None:
        return None
    number = f"{amount:,.2f}"
    code = groups["code1"] or groups["code1b"] or groups["code2"] or groups["code3"]
    if code:
        return f"{number} {code.upper()}"
    marker = (groups["sym1"] or groups["sym3"] or groups["word3"] or "").lower()
    if marker in _UNAMBIGUOUS:
        return f"{number} {_UNAMBIGUOUS[marker]}"
    return f"{_AMBIGUOUS.get(marker, marker)}{number}"


def _amount(amount_text: str | None, multiplier_text: str | None) -> Decimal | None:
    if not amount_text:
        return None
    try:
        parsed = parse_number(amount_text)
    except (InvalidOperation, ValueError):
        return None
    if parsed is None:
        return None
    amount = Decimal(parsed)
    if multiplier_text:
        amount *= _MULTIPLIERS.get(multiplier_text.strip().lower(), Decimal(1))
    try:
        return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        # More digits than Decimal's precision (28) can hold to the penny: not a real amount,
        # and one absurd number must not fail the whole comment.
        return None
