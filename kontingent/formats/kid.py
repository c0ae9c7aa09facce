# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""KID (kundeidentifikasjon, Norwegian customer identification).

A KID is the payment reference a payee prints on an OCR giro or sends in an
AvtaleGiro claim, so that Nets can report each payment back with it.  It is
2 to 25 characters long: digits, the last of which is a check digit computed
with either MOD10 or MOD11.  The length and the algorithm are fixed per payee
when the OCR giro / AvtaleGiro agreement is registered.  KIDs are written
without grouping; in the 25-character file fields they are right-aligned and
blank-padded, and leading zeros are part of the KID.

MOD10 is the Luhn algorithm: weights 2, 1, 2, 1, ... from the right, adding
the digits of each product; the check digit brings the sum to a multiple of
10.  For 12345678 the sum of the digits is 38, so the check digit is 2:

>>> calc_check_digit('12345678', MOD10)
'2'
>>> validate('123456782', MOD10)
'123456782'

MOD11 uses the weights 2, 3, 4, 5, 6, 7, 2, 3, ... from the right and adds
the products; with r the remainder of the sum divided by 11, the check digit
is 11 - r, 0 when r is 0, and '-' (minus) when r is 1.  For 12345678 the sum
is 138, r is 6, so the check digit is 5:

>>> calc_check_digit('12345678', MOD11)
'5'
>>> validate('1234 5678 5', MOD11)
'123456785'
>>> calc_check_digit('23', MOD11)
'-'
>>> validate('23-')
'23-'

Without an algorithm, a KID valid under either is accepted:

>>> validate('123456782')
'123456782'
>>> validate('123456785')
'123456785'
>>> is_valid('123456783')
False
>>> validate('123456783')  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
    ...
InvalidChecksum: ...
>>> validate('123456785', MOD10)  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
    ...
InvalidChecksum: ...
>>> validate('23-', MOD10)  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
    ...
InvalidFormat: ...
>>> validate('12A45')  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
    ...
InvalidFormat: ...
>>> validate('1' * 26)  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
    ...
InvalidLength: ...

The errors are also the matching python-stdnum exceptions, and ValueErrors:

>>> import stdnum.exceptions
>>> issubclass(InvalidChecksum, stdnum.exceptions.InvalidChecksum)
True
>>> issubclass(InvalidLength, ValueError)
True

make() appends the check digit, zero-padding the base to a fixed length.
netsgiro and many banks cannot read a KID ending in '-', so make() refuses
such a base: choose another base, or use MOD10.

>>> make('12345678', MOD11)
'123456785'
>>> make('4711', MOD10, length=9)
'000047118'
>>> make('23', MOD11)  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
    ...
UnrepresentableKID: ...
>>> format(' 0000531')
'0000531'

More information:

* OCR giro system manual (Nets, v2.0), section 5, "Computation of the
  verification digit in modulus 10 and 11", and field 13 "KID"
* AvtaleGiro systemspesifikasjon (v3.3, November 2016), section 4,
  "Utregning av kontrollsiffer i modulus 10 og 11"
"""
import stdnum.exceptions
from stdnum import luhn

__all__ = [
    'MOD10', 'MOD11', 'MIN_LENGTH', 'MAX_LENGTH',
    'KIDError', 'InvalidFormat', 'InvalidLength', 'InvalidChecksum',
    'UnrepresentableKID',
    'compact', 'calc_check_digit', 'validate', 'is_valid', 'make', 'format',
    ]

MOD10 = 'mod10'
MOD11 = 'mod11'
ALGORITHMS = (MOD10, MOD11)
MIN_LENGTH = 2
MAX_LENGTH = 25

_MOD11_WEIGHTS = (2, 3, 4, 5, 6, 7)


class KIDError(ValueError):
    "The base of every error about a KID"

    message = "The KID is not valid."

    def __str__(self):
        return ''.join(self.args[:1]) or self.message


# InvalidLength derives from InvalidFormat, as in python-stdnum.
class InvalidFormat(KIDError, stdnum.exceptions.InvalidFormat):
    "The KID holds characters other than digits and a MOD11 final '-'"

    message = (
        "A KID may only hold the digits 0-9, and a final '-' with MOD11.")


class InvalidLength(InvalidFormat, stdnum.exceptions.InvalidLength):
    "The KID is shorter than 2 or longer than 25 characters"

    message = "A KID must be 2 to 25 characters long."


class InvalidChecksum(KIDError, stdnum.exceptions.InvalidChecksum):
    "The check digit of the KID does not match"

    message = "The check digit of the KID does not match."


class UnrepresentableKID(KIDError):
    "The MOD11 check digit of the base is '-'"

    message = (
        "This base gives the MOD11 check digit '-', which OCR files cannot "
        "carry: choose another base or use MOD10.")


def _isdigits(value):
    "Tell whether value is a non-empty string of the ASCII digits 0-9"
    # str.isdigit() alone also accepts other scripts' digits, and the regular
    # expression of stdnum.util.isdigits accepts a trailing newline.
    return isinstance(value, str) and value.isascii() and value.isdigit()


def _check_algorithm(algorithm, optional=False):
    if algorithm in ALGORITHMS or (optional and algorithm is None):
        return
    # A programming error, not an invalid KID: is_valid() lets it through.
    raise ValueError(f"Unknown KID algorithm {algorithm!r}.")


def compact(number):
    """Return the KID without its spaces.

    Only spaces are removed: dots and dashes are no separators of a KID, and
    a final '-' is the MOD11 check digit."""
    if not isinstance(number, str):
        raise InvalidFormat()
    return number.replace(' ', '')


def _calc_mod11(base):
    total = sum(
        int(digit) * _MOD11_WEIGHTS[i % len(_MOD11_WEIGHTS)]
        for i, digit in enumerate(reversed(base)))
    remainder = total % 11
    if remainder == 0:
        return '0'
    elif remainder == 1:
        return '-'
    return str(11 - remainder)


def calc_check_digit(base, algorithm):
    "Return the check digit ('0'-'9', or '-' for MOD11) to append to base"
    _check_algorithm(algorithm)
    if not _isdigits(base):
        raise InvalidFormat()
    if algorithm == MOD10:
        return luhn.calc_check_digit(base)
    return _calc_mod11(base)


def validate(number, algorithm=None):
    """Check the KID and return its compact form.

    With algorithm None, a KID valid under MOD10 or MOD11 is accepted; a
    final '-' can only be a MOD11 check digit."""
    _check_algorithm(algorithm, optional=True)
    number = compact(number)
    if not MIN_LENGTH <= len(number) <= MAX_LENGTH:
        raise InvalidLength()
    base, check = number[:-1], number[-1]
    if not _isdigits(base) or not (_isdigits(check) or check == '-'):
        raise InvalidFormat()
    if check == '-':
        if algorithm == MOD10:
            raise InvalidFormat()
        algorithm = MOD11
    algorithms = ALGORITHMS if algorithm is None else (algorithm,)
    if all(calc_check_digit(base, a) != check for a in algorithms):
        raise InvalidChecksum()
    return number


def is_valid(number, algorithm=None):
    "Tell whether the KID is valid, under either algorithm if None is given"
    try:
        return bool(validate(number, algorithm))
    except KIDError:
        return False


def make(base, algorithm, length=None):
    """Return the KID made of base and its check digit.

    With length, the base is zero-padded on the left so that the KID has
    exactly length characters.  A MOD11 base whose check digit would be '-'
    raises UnrepresentableKID: the caller picks another base."""
    _check_algorithm(algorithm)
    if not _isdigits(base):
        raise InvalidFormat()
    if length is not None:
        if (not MIN_LENGTH <= length <= MAX_LENGTH
                or len(base) > length - 1):
            raise InvalidLength()
        base = base.zfill(length - 1)
    elif len(base) + 1 > MAX_LENGTH:
        raise InvalidLength()
    check = calc_check_digit(base, algorithm)
    if check == '-':
        raise UnrepresentableKID()
    return base + check


def format(number):
    "Return the KID as printed: compact, without grouping"
    return compact(number)
