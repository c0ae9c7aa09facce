# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Evaluation of price and proration rules.

The records of `kontingent.price.rule` and `kontingent.proration.rule` are
turned into the plain values below so that the evaluation order, the
conditions and the explanation of every decision live in one place that can
be tested without a database.  Each decision is returned as a `Step` holding
a reason code and its values; the Tryton layer turns them into translated
sentences.
"""
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from .period import whole_months_between

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class MemberFacts:
    "What price rules may look at, as of the billing date"
    product: int
    age: int | None = None
    employment_status: int | None = None
    locations: frozenset = frozenset()
    join_date: datetime.date | None = None


@dataclass(frozen=True)
class PriceRuleSpec:
    id: int
    name: str
    product: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    employment_status: int | None = None
    location: int | None = None
    join_date_from: datetime.date | None = None
    join_date_to: datetime.date | None = None
    result: str = 'amount'
    amount: Decimal | None = None
    percentage: Decimal | None = None
    alternative_price: Decimal | None = None


@dataclass(frozen=True)
class Step:
    "One line of a price explanation"
    reason: str
    rule: str | None = None
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Price:
    amount: Decimal
    steps: tuple


def _mismatch(rule, facts):
    "Return the Step saying why rule does not apply, or None if it does"
    if rule.product is not None and rule.product != facts.product:
        return Step('rule_other_product', rule.name)
    if rule.min_age is not None or rule.max_age is not None:
        if facts.age is None:
            return Step('rule_age_unknown', rule.name)
        low = rule.min_age if rule.min_age is not None else 0
        high = rule.max_age if rule.max_age is not None else 999
        if not low <= facts.age <= high:
            return Step('rule_age_outside', rule.name, {
                    'age': facts.age, 'min': low, 'max': high})
    if (rule.employment_status is not None
            and rule.employment_status != facts.employment_status):
        return Step('rule_employment_other', rule.name)
    if rule.location is not None:
        if not facts.locations:
            return Step('rule_location_unknown', rule.name)
        if rule.location not in facts.locations:
            return Step('rule_location_other', rule.name)
    if rule.join_date_from is not None or rule.join_date_to is not None:
        join_date = facts.join_date
        if join_date is None:
            return Step('rule_join_date_unknown', rule.name)
        if ((rule.join_date_from and join_date < rule.join_date_from)
                or (rule.join_date_to and join_date > rule.join_date_to)):
            return Step('rule_join_date_outside', rule.name, {
                    'join_date': join_date})
    return None


def _rule_amount(rule, base_price):
    if rule.result == 'amount':
        return rule.amount
    elif rule.result == 'percentage':
        return base_price * rule.percentage / HUNDRED
    elif rule.result == 'product':
        return rule.alternative_price
    raise ValueError(f"unknown price rule result {rule.result!r}")


def evaluate_price(rules, facts, base_price):
    """Return the Price of facts.product from rules, in priority order.

    The first rule whose conditions all hold sets the price; the rules
    before it are listed with the condition that failed, so that staff see
    why a cheaper rule was not taken.  Without a matching rule the base
    price applies.
    """
    steps = [Step('base_price', values={'amount': base_price})]
    for rule in rules:
        mismatch = _mismatch(rule, facts)
        if mismatch:
            if mismatch.reason != 'rule_other_product':
                steps.append(mismatch)
            continue
        amount = _rule_amount(rule, base_price)
        steps.append(Step(f'rule_applied_{rule.result}', rule.name, {
                    'amount': amount,
                    'percentage': rule.percentage,
                    }))
        return Price(amount, tuple(steps))
    steps.append(Step('no_rule'))
    return Price(base_price, tuple(steps))


@dataclass(frozen=True)
class ProrationSpec:
    after_months: int
    fraction: Decimal


def proration_fraction(rules, period_start, start_date):
    """Return (fraction, Step) for a membership starting on start_date.

    The rule with the largest offset not after the start date applies: with
    rules at 6 months (50 %) and 9 months (0 %), a member joining on 15
    August of a calendar-year period pays half, one joining on 1 October
    pays nothing until the next period.
    """
    if start_date <= period_start:
        return Decimal(1), None
    elapsed = whole_months_between(period_start, start_date)
    chosen = None
    for rule in rules:
        if rule.after_months <= elapsed and (
                chosen is None or rule.after_months > chosen.after_months):
            chosen = rule
    if chosen is None:
        return Decimal(1), None
    return chosen.fraction, Step('proration', values={
            'start_date': start_date,
            'months': chosen.after_months,
            'percentage': chosen.fraction * HUNDRED,
            })
