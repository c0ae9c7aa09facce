# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
import unittest

from hypothesis import assume, given
from hypothesis import strategies as st

from ..period import (
    PERIOD_MONTHS, add_months, age_at, period_containing,
    whole_months_between)

date = datetime.date
ONE_DAY = datetime.timedelta(days=1)

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
kinds = st.sampled_from(sorted(PERIOD_MONTHS))


class PeriodContainingTestCase(unittest.TestCase):
    "Test period_containing on edge dates"

    cases = [
        ('year', date(2024, 1, 1), date(2024, 1, 1), date(2024, 12, 31)),
        ('year', date(2024, 2, 29), date(2024, 1, 1), date(2024, 12, 31)),
        ('year', date(2024, 6, 30), date(2024, 1, 1), date(2024, 12, 31)),
        ('year', date(2024, 7, 1), date(2024, 1, 1), date(2024, 12, 31)),
        ('year', date(2024, 12, 31), date(2024, 1, 1), date(2024, 12, 31)),
        ('half_year', date(2024, 1, 1), date(2024, 1, 1), date(2024, 6, 30)),
        ('half_year', date(2024, 2, 29),
            date(2024, 1, 1), date(2024, 6, 30)),
        ('half_year', date(2024, 6, 30),
            date(2024, 1, 1), date(2024, 6, 30)),
        ('half_year', date(2024, 7, 1), date(2024, 7, 1), date(2024, 12, 31)),
        ('half_year', date(2024, 12, 31),
            date(2024, 7, 1), date(2024, 12, 31)),
        ('quarter', date(2024, 1, 1), date(2024, 1, 1), date(2024, 3, 31)),
        ('quarter', date(2024, 2, 29), date(2024, 1, 1), date(2024, 3, 31)),
        ('quarter', date(2024, 6, 30), date(2024, 4, 1), date(2024, 6, 30)),
        ('quarter', date(2024, 7, 1), date(2024, 7, 1), date(2024, 9, 30)),
        ('quarter', date(2024, 12, 31),
            date(2024, 10, 1), date(2024, 12, 31)),
        ('month', date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 31)),
        ('month', date(2024, 2, 29), date(2024, 2, 1), date(2024, 2, 29)),
        ('month', date(2023, 2, 28), date(2023, 2, 1), date(2023, 2, 28)),
        ('month', date(2024, 6, 30), date(2024, 6, 1), date(2024, 6, 30)),
        ('month', date(2024, 7, 1), date(2024, 7, 1), date(2024, 7, 31)),
        ('month', date(2024, 12, 31), date(2024, 12, 1), date(2024, 12, 31)),
        ]

    def test_edge_dates(self):
        "Test the period of each kind holding edge dates"
        for kind, day, start, end in self.cases:
            with self.subTest(kind=kind, date=day):
                self.assertEqual(period_containing(day, kind), (start, end))

    def test_unknown_kind(self):
        "Test an unknown period kind is refused"
        with self.assertRaises(KeyError):
            period_containing(date(2024, 1, 1), 'week')

    @given(dates, kinds)
    def test_date_within_period(self, day, kind):
        "Test the period starts on a first day and holds the date"
        start, end = period_containing(day, kind)
        self.assertLessEqual(start, day)
        self.assertLessEqual(day, end)
        self.assertEqual(start.day, 1)

    @given(dates, kinds)
    def test_next_period_follows(self, day, kind):
        "Test the day after the end starts the next period"
        start, end = period_containing(day, kind)
        next_start, _ = period_containing(end + ONE_DAY, kind)
        self.assertEqual(next_start, end + ONE_DAY)

    @given(dates, kinds)
    def test_period_length(self, day, kind):
        "Test the period lasts PERIOD_MONTHS months"
        start, end = period_containing(day, kind)
        self.assertEqual(
            whole_months_between(start, end + ONE_DAY), PERIOD_MONTHS[kind])
        self.assertEqual(
            whole_months_between(start, end), PERIOD_MONTHS[kind] - 1)
        self.assertEqual(add_months(start, PERIOD_MONTHS[kind]), end + ONE_DAY)


class AddMonthsTestCase(unittest.TestCase):
    "Test add_months"

    cases = [
        (date(2024, 1, 15), 1, date(2024, 2, 15)),
        (date(2024, 1, 15), 0, date(2024, 1, 15)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 1, 31), 3, date(2024, 4, 30)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2023, 3, 31), -1, date(2023, 2, 28)),
        (date(2024, 5, 31), -1, date(2024, 4, 30)),
        (date(2024, 1, 15), -1, date(2023, 12, 15)),
        (date(2024, 1, 31), -13, date(2022, 12, 31)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2024, 2, 29), -12, date(2023, 2, 28)),
        (date(2024, 12, 31), 1, date(2025, 1, 31)),
        (date(2024, 11, 30), 1, date(2024, 12, 30)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        ]

    def test_cases(self):
        "Test moving dates by months with clamping"
        for day, months, expected in self.cases:
            with self.subTest(date=day, months=months):
                self.assertEqual(add_months(day, months), expected)

    @given(dates, st.integers(min_value=-1200, max_value=1200))
    def test_round_trip(self, day, months):
        "Test moving back undoes moving forth on days up to the 28th"
        result = add_months(add_months(day, months), -months)
        if day.day <= 28:
            self.assertEqual(result, day)
        else:
            self.assertLessEqual(result, day)
            self.assertEqual((result.year, result.month),
                (day.year, day.month))

    @given(dates, st.integers(min_value=-1200, max_value=1200))
    def test_month_index(self, day, months):
        "Test the result lands in the right month and never past its end"
        result = add_months(day, months)
        self.assertEqual(
            result.year * 12 + result.month,
            day.year * 12 + day.month + months)
        self.assertLessEqual(result.day, day.day)


class WholeMonthsBetweenTestCase(unittest.TestCase):
    "Test whole_months_between"

    cases = [
        (date(2024, 3, 15), date(2024, 3, 15), 0),
        (date(2024, 3, 15), date(2024, 3, 16), 0),
        (date(2024, 3, 15), date(2024, 4, 14), 0),
        (date(2024, 3, 15), date(2024, 4, 15), 1),
        (date(2024, 3, 15), date(2025, 3, 14), 11),
        (date(2024, 3, 15), date(2025, 3, 15), 12),
        (date(2024, 1, 1), date(2024, 6, 30), 5),
        (date(2024, 1, 1), date(2024, 7, 1), 6),
        (date(2024, 1, 1), date(2024, 12, 31), 11),
        (date(2024, 1, 1), date(2025, 1, 1), 12),
        (date(2023, 1, 31), date(2023, 2, 27), 0),
        (date(2023, 1, 31), date(2023, 2, 28), 1),
        (date(2024, 1, 31), date(2024, 2, 28), 0),
        (date(2024, 1, 31), date(2024, 2, 29), 1),
        (date(2024, 1, 31), date(2024, 3, 30), 1),
        (date(2024, 1, 31), date(2024, 3, 31), 2),
        (date(2024, 1, 31), date(2024, 4, 30), 3),
        (date(2024, 2, 29), date(2025, 2, 28), 12),
        (date(2024, 2, 29), date(2025, 2, 27), 11),
        (date(2024, 8, 31), date(2024, 9, 30), 1),
        ]

    def test_cases(self):
        "Test whole months on same day, day before and month ends"
        for start, day, expected in self.cases:
            with self.subTest(start=start, date=day):
                self.assertEqual(whole_months_between(start, day), expected)

    @given(dates, st.integers(min_value=0, max_value=1200))
    def test_add_months_inverse(self, start, months):
        "Test adding whole months to the start counts them back"
        self.assertEqual(
            whole_months_between(start, add_months(start, months)), months)

    @given(dates, dates)
    def test_bounds(self, start, day):
        "Test the count of whole months is the largest not passing the date"
        months = whole_months_between(start, day)
        self.assertLessEqual(add_months(start, months), day)
        self.assertGreater(add_months(start, months + 1), day)


class AgeAtTestCase(unittest.TestCase):
    "Test age_at"

    cases = [
        (date(2000, 5, 10), date(2020, 5, 10), 20),
        (date(2000, 5, 10), date(2020, 5, 9), 19),
        (date(2000, 5, 10), date(2020, 5, 11), 20),
        (date(2000, 5, 10), date(2000, 5, 10), 0),
        (date(2000, 12, 31), date(2018, 12, 30), 17),
        (date(2000, 12, 31), date(2018, 12, 31), 18),
        (date(2001, 1, 1), date(2018, 12, 31), 17),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 28), 19),
        (date(2008, 2, 29), date(2028, 2, 29), 20),
        ]

    def test_cases(self):
        "Test age on, before and after birthdays, including 29 February"
        for birth_date, day, expected in self.cases:
            with self.subTest(birth_date=birth_date, date=day):
                self.assertEqual(age_at(birth_date, day), expected)

    @given(dates, dates, dates)
    def test_monotonic(self, birth_date, first, second):
        "Test age never decreases as the date advances"
        first, second = sorted([first, second])
        self.assertLessEqual(
            age_at(birth_date, first), age_at(birth_date, second))

    @given(dates, st.integers(min_value=0, max_value=150))
    def test_birthday(self, birth_date, years):
        "Test age on the birthday anniversary equals the years passed"
        assume((birth_date.month, birth_date.day) != (2, 29))
        self.assertEqual(
            age_at(birth_date, add_months(birth_date, 12 * years)), years)


if __name__ == '__main__':
    unittest.main()
