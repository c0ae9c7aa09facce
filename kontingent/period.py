# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Billing periods.

Dues are billed for calendar-aligned periods: a year starts on 1 January, a
half-year on 1 January or 1 July, a quarter on the first day of January,
April, July or October, a month on its first day.  These are plain functions
so that billing, proration and their tests share one definition.
"""
import datetime

PERIOD_MONTHS = {
    'year': 12,
    'half_year': 6,
    'quarter': 3,
    'month': 1,
    }


def add_months(date, months):
    "Return date moved by months, clamped to the end of a shorter month"
    month_index = date.year * 12 + date.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(date.day, _month_length(year, month))
    return datetime.date(year, month, day)


def _month_length(year, month):
    first_of_next = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (first_of_next - datetime.timedelta(days=1)).day


def period_containing(date, period):
    "Return (first day, last day) of the period of that kind holding date"
    months = PERIOD_MONTHS[period]
    first_month = (date.month - 1) // months * months + 1
    start = datetime.date(date.year, first_month, 1)
    end = add_months(start, months) - datetime.timedelta(days=1)
    return start, end


def whole_months_between(start, date):
    "Return how many whole months have passed from start to date"
    months = (date.year - start.year) * 12 + date.month - start.month
    if add_months(start, months) > date:
        months -= 1
    return months


def age_at(birth_date, date):
    "Return the age in completed years on date"
    before_birthday = (date.month, date.day) < (
        birth_date.month, birth_date.day)
    return date.year - birth_date.year - before_birthday
