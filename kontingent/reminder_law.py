# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The legal limits on reminders in Norway and Denmark.

Pure Python: a procedure is described by its levels' terms, and
`violations` yields every rule the procedure breaks, so the module can
refuse the configuration with a message naming the rule.

Norway (inkassoloven § 9, inkassoforskriften § 1-2): a reminder fee may be
charged when the reminder is sent at least 14 days after the due date and
gives the debtor 14 days to pay; at most two fees, whether for two reminders
or for a reminder and the debt collection warning (inkassovarsel); the fee is
at most 1/20 of the inkassosats (NOK 35 since 1 October 2020); a claim goes
to debt collection only after an inkassovarsel giving 14 days to pay.

Denmark (renteloven § 9 b): at most three fee-bearing reminders for one
claim, sent at least 10 days apart, each fee at most DKK 100.
"""
from dataclasses import dataclass
from decimal import Decimal

NORWAY = 'no'
DENMARK = 'dk'

DEFAULT_FEE_CAP = {
    NORWAY: Decimal('35.00'),
    DENMARK: Decimal('100.00'),
    }

# What a level does besides sending a letter
REMINDER = 'reminder'
COLLECTION_WARNING = 'collection_warning'
HAND_OVER = 'hand_over'
ASSOCIATION = 'association'
KINDS = (REMINDER, COLLECTION_WARNING, HAND_OVER, ASSOCIATION)
FINAL_KINDS = (HAND_OVER, ASSOCIATION)


@dataclass(frozen=True)
class LevelTerms:
    kind: str
    # Days after the due date, for the first level; after the previous
    # level's letter for the others
    days: int
    fee: Decimal = Decimal(0)
    has_text: bool = True
    # The payment deadline the letter gives
    payment_days: int = 14


@dataclass(frozen=True)
class Violation:
    rule: str
    # Index of the level breaking the rule, None for the whole procedure
    level: int | None
    limit: object = None


def violations(regime, levels, fee_cap=None):
    "Yield the Violation of each rule the levels break under the regime"
    if fee_cap is None:
        fee_cap = DEFAULT_FEE_CAP.get(regime)
    for index, level in enumerate(levels):
        if level.days < 1:
            yield Violation('days_positive', index)
        if level.fee < 0:
            yield Violation('fee_negative', index)
        if level.kind in FINAL_KINDS and level.fee:
            yield Violation('final_fee', index)
        if level.kind in FINAL_KINDS and index < len(levels) - 1:
            yield Violation('final_last', index)
    if regime == NORWAY:
        yield from _norway(levels, fee_cap)
    elif regime == DENMARK:
        yield from _denmark(levels, fee_cap)


def _fee_levels(levels):
    return [i for i, l in enumerate(levels) if l.fee]


def _over_cap(levels, fee_cap):
    for index in _fee_levels(levels):
        if fee_cap is not None and levels[index].fee > fee_cap:
            yield Violation('fee_cap', index, fee_cap)


def _norway(levels, fee_cap):
    minimum = 14
    for index, level in enumerate(levels):
        if level.days < minimum:
            yield Violation('no_days', index, minimum)
        if (level.kind not in FINAL_KINDS
                and level.payment_days < minimum):
            yield Violation('no_payment_days', index, minimum)
    yield from _over_cap(levels, fee_cap)
    fees = _fee_levels(levels)
    if len(fees) > 2:
        yield Violation('no_fee_count', fees[2], 2)
    warnings = [i for i, l in enumerate(levels)
        if l.kind == COLLECTION_WARNING]
    for index in warnings:
        if not levels[index].has_text:
            yield Violation('no_warning_text', index)
    for index, level in enumerate(levels):
        if level.kind == HAND_OVER and not any(i < index for i in warnings):
            yield Violation('no_warning_first', index)


def _denmark(levels, fee_cap):
    minimum = 10
    for index, level in enumerate(levels):
        if index and level.days < minimum:
            yield Violation('dk_days', index, minimum)
    yield from _over_cap(levels, fee_cap)
    fees = _fee_levels(levels)
    if len(fees) > 3:
        yield Violation('dk_fee_count', fees[3], 3)
