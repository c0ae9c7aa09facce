# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""FI-kort type 71 (Danish inpayment form with a payment id).

A Danish creditor with an FI agreement prints on the invoice a payment line
that the payer keys into the bank:

    +71<payment id+creditor number<

The payment id (betalings-id) is 15 digits, the last of which is a Luhn
(MOD10) check digit: weights 2, 1, 2, 1, ... from the right, adding the
digits of each product; the check digit brings the sum to a multiple of 10.
Leading zeros are part of the id; they do not change the check digit, so an
id printed without them (giro-kort.dk's example "2" with check digit "6") is
the same id zero-padded.  The creditor number (kreditornummer) is the 8 digits
given with the FI agreement; it carries no public check digit.  Card type 71
is the one for claims identified by an id; 73 (no id) and 75 (id with a
message) are not written here.

>>> calc_check_digit('02684014996532')
'8'
>>> validate('0268 4014 9965 328')
'026840149965328'
>>> is_valid('026840149965327')
False
>>> validate('026840149965327')  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
    ...
InvalidChecksum: ...
>>> validate('26')  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
    ...
InvalidLength: ...
>>> make('2')
'000000000000026'
>>> make('00404040000066')
'004040400000669'

The payment line, and back:

>>> format('004040400000669', '12345678')
'+71<004040400000669+12345678<'
>>> parse('+71< 004040400000669+12345678<')
('004040400000669', '12345678')
>>> format('004040400000669', '1234567')  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
    ...
InvalidCreditor: ...

The errors are also the matching python-stdnum exceptions, and ValueErrors:

>>> import stdnum.exceptions
>>> issubclass(InvalidChecksum, stdnum.exceptions.InvalidChecksum)
True
>>> issubclass(InvalidCreditor, ValueError)
True

More information:

* https://www.giro-kort.dk/fi-kort3.html
* Peppol BIS Billing 3.0, Danish rules DK-R-010 and DK-R-011 (PaymentID
  "71#" with a 15-digit id, 8-character creditor account)
"""
import re

import stdnum.exceptions
from stdnum import luhn

__all__ = [
    'CARD_TYPE', 'LENGTH', 'CREDITOR_LENGTH',
    'FIKError', 'InvalidFormat', 'InvalidLength', 'InvalidChecksum',
    'InvalidCreditor',
    'compact', 'calc_check_digit', 'validate', 'is_valid', 'make',
    'validate_creditor', 'is_valid_creditor', 'format', 'parse',
    ]

CARD_TYPE = '71'
LENGTH = 15
CREDITOR_LENGTH = 8

# Banks print the line with a blank after "<" and between groups; the bank
# reading it keys only the digits.
_PAYMENT_LINE = re.compile(r'''
    ^\+71<
    (?P<payment_id>[\d ]+)
    \+
    (?P<creditor>[\d ]+)
    <$''', re.VERBOSE)


class FIKError(ValueError):
    "The base of every error about an FI-kort payment line"

    message = "The FI-kort payment line is not valid."

    def __str__(self):
        return ''.join(self.args[:1]) or self.message


# InvalidLength derives from InvalidFormat, as in python-stdnum.
class InvalidFormat(FIKError, stdnum.exceptions.InvalidFormat):
    "The payment id or the payment line holds unexpected characters"

    message = (
        "An FI-kort payment id may only hold the digits 0-9, and a type 71 "
        "payment line reads +71<payment id+creditor number<.")


class InvalidLength(InvalidFormat, stdnum.exceptions.InvalidLength):
    "The payment id is not 15 digits long"

    message = "An FI-kort type 71 payment id must be 15 digits long."


class InvalidChecksum(FIKError, stdnum.exceptions.InvalidChecksum):
    "The Luhn check digit of the payment id does not match"

    message = "The check digit of the FI-kort payment id does not match."


class InvalidCreditor(FIKError, stdnum.exceptions.InvalidComponent):
    "The creditor number is not 8 digits"

    message = "An FI creditor number must be 8 digits."


def _isdigits(value):
    "Tell whether value is a non-empty string of the ASCII digits 0-9"
    return isinstance(value, str) and value.isascii() and value.isdigit()


def compact(number):
    "Return the payment id without its spaces"
    if not isinstance(number, str):
        raise InvalidFormat()
    return number.replace(' ', '')


def calc_check_digit(base):
    "Return the Luhn check digit to append to base"
    if not _isdigits(base):
        raise InvalidFormat()
    return luhn.calc_check_digit(base)


def validate(number):
    "Check the type 71 payment id and return its compact form"
    number = compact(number)
    if not _isdigits(number):
        raise InvalidLength() if not number else InvalidFormat()
    if len(number) != LENGTH:
        raise InvalidLength()
    if calc_check_digit(number[:-1]) != number[-1]:
        raise InvalidChecksum()
    return number


def is_valid(number):
    "Tell whether the type 71 payment id is valid"
    try:
        return bool(validate(number))
    except FIKError:
        return False


def make(base):
    "Return the payment id of base, zero-padded, with its check digit"
    if not _isdigits(base):
        raise InvalidFormat()
    if len(base) > LENGTH - 1:
        raise InvalidLength()
    base = base.zfill(LENGTH - 1)
    return base + calc_check_digit(base)


def validate_creditor(number):
    "Check the creditor number and return it without spaces"
    if not isinstance(number, str):
        raise InvalidCreditor()
    number = number.replace(' ', '')
    if not _isdigits(number) or len(number) != CREDITOR_LENGTH:
        raise InvalidCreditor()
    return number


def is_valid_creditor(number):
    "Tell whether the creditor number is valid"
    try:
        return bool(validate_creditor(number))
    except FIKError:
        return False


def format(payment_id, creditor):
    "Return the type 71 payment line of the payment id and creditor number"
    return (f'+{CARD_TYPE}<{validate(payment_id)}'
        f'+{validate_creditor(creditor)}<')


def parse(line):
    "Return the payment id and creditor number of a type 71 payment line"
    if not isinstance(line, str):
        raise InvalidFormat()
    match = _PAYMENT_LINE.match(line.strip())
    if not match:
        raise InvalidFormat()
    return (
        validate(match.group('payment_id')),
        validate_creditor(match.group('creditor')))
