# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import unittest
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ..reminder_law import (
    ASSOCIATION, COLLECTION_WARNING, DENMARK, HAND_OVER, NORWAY, REMINDER,
    LevelTerms, violations)


def rules(regime, levels, fee_cap=None):
    return [(v.rule, v.level) for v in violations(regime, levels, fee_cap)]


NORWEGIAN = [
    LevelTerms(REMINDER, 14, Decimal('35')),
    LevelTerms(COLLECTION_WARNING, 14, Decimal('35')),
    LevelTerms(HAND_OVER, 14, payment_days=0),
    ]
DANISH = [
    LevelTerms(REMINDER, 10, Decimal('100'), payment_days=10),
    LevelTerms(REMINDER, 10, Decimal('100'), payment_days=10),
    LevelTerms(REMINDER, 10, Decimal('100'), payment_days=10),
    LevelTerms(ASSOCIATION, 10, payment_days=0),
    ]


class ReminderLawTestCase(unittest.TestCase):

    def test_shipped_procedures_are_lawful(self):
        self.assertEqual(rules(NORWAY, NORWEGIAN), [])
        self.assertEqual(rules(DENMARK, DANISH), [])

    def test_norway_fourteen_days(self):
        levels = [LevelTerms(REMINDER, 13, Decimal('35'))] + NORWEGIAN[1:]
        self.assertEqual(rules(NORWAY, levels), [('no_days', 0)])

    def test_norway_days_to_pay(self):
        levels = [LevelTerms(REMINDER, 14, payment_days=7)] + NORWEGIAN[1:]
        self.assertEqual(rules(NORWAY, levels), [('no_payment_days', 0)])

    def test_norway_fee_cap(self):
        levels = [LevelTerms(REMINDER, 14, Decimal('35.01'))] + NORWEGIAN[1:]
        self.assertEqual(rules(NORWAY, levels), [('fee_cap', 0)])
        self.assertEqual(rules(NORWAY, levels, Decimal('40')), [])

    def test_norway_two_fees(self):
        levels = [NORWEGIAN[0]] + NORWEGIAN
        self.assertEqual(rules(NORWAY, levels), [('no_fee_count', 2)])

    def test_norway_warning_before_hand_over(self):
        levels = [NORWEGIAN[0], NORWEGIAN[2]]
        self.assertEqual(rules(NORWAY, levels), [('no_warning_first', 1)])

    def test_norway_warning_text(self):
        levels = [NORWEGIAN[0],
            LevelTerms(COLLECTION_WARNING, 14, has_text=False),
            NORWEGIAN[2]]
        self.assertEqual(rules(NORWAY, levels), [('no_warning_text', 1)])

    def test_denmark_three_fees(self):
        levels = DANISH[:3] + [DANISH[0]] + DANISH[3:]
        self.assertEqual(rules(DENMARK, levels), [('dk_fee_count', 3)])

    def test_denmark_ten_days_apart(self):
        levels = [DANISH[0], LevelTerms(REMINDER, 9, Decimal('100'))]
        self.assertEqual(rules(DENMARK, levels), [('dk_days', 1)])

    def test_denmark_fee_cap(self):
        levels = [LevelTerms(REMINDER, 10, Decimal('100.50'))]
        self.assertEqual(rules(DENMARK, levels), [('fee_cap', 0)])

    def test_hand_over_last_and_free(self):
        levels = [LevelTerms(HAND_OVER, 10, Decimal('10')), DANISH[0]]
        self.assertEqual(rules(None, levels),
            [('final_fee', 0), ('final_last', 0)])

    @given(st.lists(st.tuples(
                st.sampled_from([REMINDER, COLLECTION_WARNING]),
                st.integers(1, 60), st.integers(0, 200)),
            min_size=1, max_size=6))
    def test_every_fee_within_cap_and_count(self, raw):
        "A procedure that passes never charges over the cap or too often"
        levels = [LevelTerms(kind, days, Decimal(fee), payment_days=days)
            for kind, days, fee in raw]
        for regime, cap, count in [
                (NORWAY, Decimal('35'), 2), (DENMARK, Decimal('100'), 3)]:
            if not rules(regime, levels):
                fees = [l.fee for l in levels if l.fee]
                self.assertLessEqual(len(fees), count)
                self.assertTrue(all(f <= cap for f in fees))
