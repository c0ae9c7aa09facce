# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
import itertools
import unittest
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ..period import add_months
from ..pricing import (
    MemberFacts, Price, PriceRuleSpec, ProrationSpec, Step, evaluate_price,
    proration_fraction)

date = datetime.date

PRODUCT = 1
OTHER_PRODUCT = 2
STUDENT = 10
RETIRED = 11
OSLO = 100
NORWAY = 101
BERGEN = 102
BASE = Decimal('1200.00')
RULE_IDS = itertools.count(1)


def rule(name, **values):
    values.setdefault('result', 'amount')
    values.setdefault('amount', Decimal('100.00'))
    return PriceRuleSpec(id=next(RULE_IDS), name=name, **values)


def facts(**values):
    values.setdefault('product', PRODUCT)
    return MemberFacts(**values)


class EvaluatePriceTestCase(unittest.TestCase):
    "Test evaluate_price"

    def test_no_rules(self):
        "Test the base price applies without rules"
        price = evaluate_price([], facts(age=30), BASE)
        self.assertEqual(price, Price(BASE, (
                    Step('base_price', values={'amount': BASE}),
                    Step('no_rule'),
                    )))

    def test_no_matching_rule(self):
        "Test the base price applies when no rule matches"
        price = evaluate_price(
            [rule('youth', max_age=25)], facts(age=30), BASE)
        self.assertEqual(price.amount, BASE)
        self.assertEqual([s.reason for s in price.steps],
            ['base_price', 'rule_age_outside', 'no_rule'])

    def test_first_matching_rule_wins(self):
        "Test the first matching rule by order sets the price"
        rules = [
            rule('youth', max_age=25, amount=Decimal('300.00')),
            rule('student', employment_status=STUDENT,
                amount=Decimal('400.00')),
            rule('oslo', location=OSLO, amount=Decimal('500.00')),
            rule('everyone', amount=Decimal('600.00')),
            ]
        price = evaluate_price(rules, facts(
                age=40, employment_status=STUDENT,
                locations=frozenset({OSLO, NORWAY})), BASE)
        self.assertEqual(price, Price(Decimal('400.00'), (
                    Step('base_price', values={'amount': BASE}),
                    Step('rule_age_outside', 'youth',
                        {'age': 40, 'min': 0, 'max': 25}),
                    Step('rule_applied_amount', 'student', {
                            'amount': Decimal('400.00'),
                            'percentage': None,
                            }),
                    )))

    def test_mismatch_reasons(self):
        "Test each failed condition is explained before the applied rule"
        member = facts(
            age=40, employment_status=RETIRED,
            locations=frozenset({BERGEN, NORWAY}),
            join_date=date(2020, 3, 1))
        cases = [
            (rule('youth', min_age=18, max_age=25), 'rule_age_outside',
                {'age': 40, 'min': 18, 'max': 25}),
            (rule('student', employment_status=STUDENT),
                'rule_employment_other', {}),
            (rule('oslo', location=OSLO), 'rule_location_other', {}),
            (rule('new', join_date_from=date(2024, 1, 1)),
                'rule_join_date_outside', {'join_date': date(2020, 3, 1)}),
            (rule('old', join_date_to=date(2019, 12, 31)),
                'rule_join_date_outside', {'join_date': date(2020, 3, 1)}),
            (rule('year 2021', join_date_from=date(2021, 1, 1),
                    join_date_to=date(2021, 12, 31)),
                'rule_join_date_outside', {'join_date': date(2020, 3, 1)}),
            ]
        fallback = rule('everyone', amount=Decimal('700.00'))
        for mismatching, reason, values in cases:
            with self.subTest(rule=mismatching.name):
                price = evaluate_price(
                    [mismatching, fallback], member, BASE)
                self.assertEqual(price.amount, Decimal('700.00'))
                self.assertEqual(price.steps[1],
                    Step(reason, mismatching.name, values))
                self.assertEqual(
                    price.steps[2].reason, 'rule_applied_amount')
                self.assertEqual(price.steps[2].rule, 'everyone')
                self.assertEqual(len(price.steps), 3)

    def test_unknown_facts(self):
        "Test rules on unknown age or join date are explained"
        cases = [
            (rule('youth', max_age=25), 'rule_age_unknown'),
            (rule('senior', min_age=67), 'rule_age_unknown'),
            (rule('new', join_date_from=date(2024, 1, 1)),
                'rule_join_date_unknown'),
            (rule('old', join_date_to=date(2000, 1, 1)),
                'rule_join_date_unknown'),
            ]
        for unknown, reason in cases:
            with self.subTest(rule=unknown.name):
                price = evaluate_price([unknown], facts(), BASE)
                self.assertEqual(price.amount, BASE)
                self.assertEqual(price.steps, (
                        Step('base_price', values={'amount': BASE}),
                        Step(reason, unknown.name),
                        Step('no_rule'),
                        ))

    def test_other_product_skipped(self):
        "Test a rule for another product is skipped without a step"
        rules = [
            rule('other', product=OTHER_PRODUCT, amount=Decimal('1.00')),
            rule('same', product=PRODUCT, amount=Decimal('2.00')),
            ]
        price = evaluate_price(rules, facts(), BASE)
        self.assertEqual(price.amount, Decimal('2.00'))
        self.assertEqual([(s.reason, s.rule) for s in price.steps], [
                ('base_price', None),
                ('rule_applied_amount', 'same'),
                ])

        price = evaluate_price(rules[:1], facts(), BASE)
        self.assertEqual([s.reason for s in price.steps],
            ['base_price', 'no_rule'])

    def test_results(self):
        "Test each kind of result and its applied step"
        cases = [
            (rule('fixed', result='amount', amount=Decimal('250.00')),
                Decimal('250.00'), 'rule_applied_amount', None),
            (rule('half', result='percentage', amount=None,
                    percentage=Decimal('50')),
                Decimal('600.00'), 'rule_applied_percentage', Decimal('50')),
            (rule('third', result='percentage', amount=None,
                    percentage=Decimal('33.5')),
                Decimal('402.00'), 'rule_applied_percentage',
                Decimal('33.5')),
            (rule('free', result='percentage', amount=None,
                    percentage=Decimal('0')),
                Decimal('0'), 'rule_applied_percentage', Decimal('0')),
            (rule('family', result='product', amount=None,
                    alternative_price=Decimal('800.00')),
                Decimal('800.00'), 'rule_applied_product', None),
            ]
        for applied, amount, reason, percentage in cases:
            with self.subTest(result=applied.result, rule=applied.name):
                price = evaluate_price([applied], facts(), BASE)
                self.assertEqual(price.amount, amount)
                self.assertIsInstance(price.amount, Decimal)
                self.assertEqual(price.steps, (
                        Step('base_price', values={'amount': BASE}),
                        Step(reason, applied.name, {
                                'amount': amount,
                                'percentage': percentage,
                                }),
                        ))

    def test_age_bounds(self):
        "Test age bounds are inclusive and may be open-ended"
        cases = [
            (18, 25, 17, False),
            (18, 25, 18, True),
            (18, 25, 21, True),
            (18, 25, 25, True),
            (18, 25, 26, False),
            (None, 25, 0, True),
            (None, 25, 25, True),
            (None, 25, 26, False),
            (67, None, 66, False),
            (67, None, 67, True),
            (67, None, 120, True),
            (0, 0, 0, True),
            (0, 0, 1, False),
            ]
        for min_age, max_age, age, matches in cases:
            with self.subTest(min_age=min_age, max_age=max_age, age=age):
                price = evaluate_price(
                    [rule('ages', min_age=min_age, max_age=max_age)],
                    facts(age=age), BASE)
                self.assertEqual(
                    price.steps[1].reason,
                    'rule_applied_amount' if matches else 'rule_age_outside')
                if not matches:
                    self.assertEqual(price.steps[1].values, {
                            'age': age,
                            'min': min_age if min_age is not None else 0,
                            'max': max_age if max_age is not None else 999,
                            })

    def test_location(self):
        "Test location matches the member's subdivision or its ancestors"
        cases = [
            (OSLO, frozenset({OSLO, NORWAY}), 'rule_applied_amount'),
            (NORWAY, frozenset({OSLO, NORWAY}), 'rule_applied_amount'),
            (NORWAY, frozenset({BERGEN, NORWAY}), 'rule_applied_amount'),
            (OSLO, frozenset({BERGEN, NORWAY}), 'rule_location_other'),
            (OSLO, frozenset(), 'rule_location_unknown'),
            (None, frozenset(), 'rule_applied_amount'),
            ]
        for location, locations, reason in cases:
            with self.subTest(location=location, locations=locations):
                price = evaluate_price(
                    [rule('place', location=location)],
                    facts(locations=locations), BASE)
                self.assertEqual(price.steps[1].reason, reason)

    def test_join_date(self):
        "Test join date bounds are inclusive"
        cases = [
            (date(2020, 1, 1), date(2020, 12, 31), date(2019, 12, 31), False),
            (date(2020, 1, 1), date(2020, 12, 31), date(2020, 1, 1), True),
            (date(2020, 1, 1), date(2020, 12, 31), date(2020, 12, 31), True),
            (date(2020, 1, 1), date(2020, 12, 31), date(2021, 1, 1), False),
            (date(2020, 1, 1), None, date(2030, 1, 1), True),
            (None, date(2020, 12, 31), date(1990, 1, 1), True),
            ]
        for from_, to, join_date, matches in cases:
            with self.subTest(from_=from_, to=to, join_date=join_date):
                price = evaluate_price(
                    [rule('join', join_date_from=from_, join_date_to=to)],
                    facts(join_date=join_date), BASE)
                self.assertEqual(
                    price.steps[1].reason,
                    'rule_applied_amount' if matches
                    else 'rule_join_date_outside')

    def test_all_conditions(self):
        "Test a rule applies only when all its conditions hold"
        combined = rule('student in Oslo', min_age=18, max_age=30,
            employment_status=STUDENT, location=OSLO,
            join_date_from=date(2020, 1, 1))
        member = dict(
            age=20, employment_status=STUDENT,
            locations=frozenset({OSLO, NORWAY}),
            join_date=date(2021, 1, 1))
        cases = [
            ({}, 'rule_applied_amount'),
            ({'age': 31}, 'rule_age_outside'),
            ({'age': None}, 'rule_age_unknown'),
            ({'employment_status': RETIRED}, 'rule_employment_other'),
            ({'employment_status': None}, 'rule_employment_other'),
            ({'locations': frozenset({NORWAY})}, 'rule_location_other'),
            ({'join_date': date(2019, 1, 1)}, 'rule_join_date_outside'),
            ({'join_date': None}, 'rule_join_date_unknown'),
            ]
        for changes, reason in cases:
            with self.subTest(changes=changes):
                price = evaluate_price(
                    [combined], facts(**{**member, **changes}), BASE)
                self.assertEqual(price.steps[1].reason, reason)

    def test_unknown_result(self):
        "Test an unknown result raises ValueError"
        with self.assertRaises(ValueError):
            evaluate_price([rule('odd', result='discount')], facts(), BASE)

    def test_unknown_result_not_reached(self):
        "Test an unknown result after the matching rule is not evaluated"
        rules = [rule('first'), rule('odd', result='discount')]
        price = evaluate_price(rules, facts(), BASE)
        self.assertEqual(price.amount, Decimal('100.00'))


PERIOD_START = date(2024, 1, 1)
HALF_AND_NOTHING = [
    ProrationSpec(6, Decimal('0.5')),
    ProrationSpec(9, Decimal('0')),
    ]


class ProrationFractionTestCase(unittest.TestCase):
    "Test proration_fraction"

    def test_start_not_after_period_start(self):
        "Test a membership started by the period start pays in full"
        for start_date in [PERIOD_START, date(2023, 8, 15), date(2000, 1, 1)]:
            with self.subTest(start_date=start_date):
                self.assertEqual(
                    proration_fraction(
                        HALF_AND_NOTHING, PERIOD_START, start_date),
                    (Decimal(1), None))

    def test_calendar_year(self):
        "Test the rule with the largest offset reached applies"
        cases = [
            (date(2024, 1, 2), Decimal(1), None),
            (date(2024, 6, 30), Decimal(1), None),
            (date(2024, 7, 1), Decimal('0.5'), 6),
            (date(2024, 8, 15), Decimal('0.5'), 6),
            (date(2024, 9, 30), Decimal('0.5'), 6),
            (date(2024, 10, 1), Decimal('0'), 9),
            (date(2024, 12, 31), Decimal('0'), 9),
            ]
        for rules in [HALF_AND_NOTHING, HALF_AND_NOTHING[::-1]]:
            for start_date, fraction, months in cases:
                with self.subTest(
                        start_date=start_date, order=rules[0].after_months):
                    result, step = proration_fraction(
                        rules, PERIOD_START, start_date)
                    self.assertEqual(result, fraction)
                    if months is None:
                        self.assertIsNone(step)
                    else:
                        self.assertEqual(step, Step('proration', values={
                                    'start_date': start_date,
                                    'months': months,
                                    'percentage': fraction * 100,
                                    }))

    def test_step_percentage(self):
        "Test the step gives the fraction as a Decimal percentage"
        _, step = proration_fraction(
            HALF_AND_NOTHING, PERIOD_START, date(2024, 8, 15))
        self.assertEqual(step.values['percentage'], Decimal('50'))
        self.assertIsInstance(step.values['percentage'], Decimal)

    def test_no_rules(self):
        "Test without rules the full price applies"
        self.assertEqual(
            proration_fraction([], PERIOD_START, date(2024, 12, 31)),
            (Decimal(1), None))

    def test_zero_months_rule(self):
        "Test a rule at zero months applies to any later start"
        rules = [ProrationSpec(0, Decimal('0.9'))]
        fraction, step = proration_fraction(
            rules, PERIOD_START, date(2024, 1, 2))
        self.assertEqual(fraction, Decimal('0.9'))
        self.assertEqual(step.values['months'], 0)


fractions = st.integers(min_value=0, max_value=100).map(
    lambda i: Decimal(i) / 100)


@st.composite
def decreasing_rules(draw):
    "Proration rules whose fractions do not increase with the months"
    months = draw(st.lists(
            st.integers(min_value=0, max_value=11), unique=True,
            max_size=6))
    values = sorted(draw(st.lists(
                fractions, min_size=len(months), max_size=len(months))),
        reverse=True)
    rules = [ProrationSpec(m, f) for m, f in zip(sorted(months), values)]
    return draw(st.permutations(rules))


period_starts = st.builds(
    date, st.integers(min_value=1990, max_value=2100),
    st.sampled_from([1, 4, 7, 10]), st.just(1))
offsets = st.integers(min_value=-400, max_value=400)


class ProrationPropertyTestCase(unittest.TestCase):
    "Test properties of proration_fraction"

    @given(decreasing_rules(), period_starts, offsets)
    def test_fraction_is_a_rule_fraction(self, rules, period_start, offset):
        "Test the fraction is 1 or one of the rule fractions"
        start_date = period_start + datetime.timedelta(days=offset)
        fraction, step = proration_fraction(rules, period_start, start_date)
        self.assertIn(fraction, {Decimal(1)} | {r.fraction for r in rules})
        if step is None:
            self.assertEqual(fraction, Decimal(1))
        else:
            self.assertEqual(step.values['percentage'], fraction * 100)

    @given(decreasing_rules(), period_starts, offsets, offsets)
    def test_later_join_never_costs_more(
            self, rules, period_start, first, second):
        "Test a later start date never gives a larger fraction"
        first, second = sorted([first, second])
        earlier = period_start + datetime.timedelta(days=first)
        later = period_start + datetime.timedelta(days=second)
        self.assertGreaterEqual(
            proration_fraction(rules, period_start, earlier)[0],
            proration_fraction(rules, period_start, later)[0])

    @given(decreasing_rules(), period_starts,
        st.integers(min_value=0, max_value=11))
    def test_whole_month_offsets(self, rules, period_start, months):
        "Test a start on a month boundary uses the rules up to that month"
        start_date = add_months(period_start, months)
        fraction, _ = proration_fraction(rules, period_start, start_date)
        reached = [r for r in rules if r.after_months <= months]
        if months == 0 or not reached:
            self.assertEqual(fraction, Decimal(1))
        else:
            self.assertEqual(
                fraction, max(reached, key=lambda r: r.after_months).fraction)


if __name__ == '__main__':
    unittest.main()
