# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import doctest
import pathlib
import unittest

import stdnum.exceptions
from hypothesis import given, settings
from hypothesis import strategies as st

from ..formats import fik

# CI checks the shared folder out beside the repository clone.
REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
VECTORS = REPOSITORY.parent / 'shared' / 'samples' / 'dk' / (
    'fik_test_vectors.txt')

bases = st.text(alphabet='0123456789', min_size=1, max_size=14)
creditors = st.text(alphabet='0123456789', min_size=8, max_size=8)
properties = settings(deadline=None, database=None)


def load_tests(loader, tests, pattern):
    "Add the examples of the module docstring"
    tests.addTests(doctest.DocTestSuite(
            fik, optionflags=doctest.IGNORE_EXCEPTION_DETAIL))
    return tests


def read_vectors():
    "Return the (payment id, valid) pairs of the shared test vector file"
    if not VECTORS.is_file():
        raise unittest.SkipTest(f"No FI-kort test vectors at {VECTORS}")
    vectors = []
    with VECTORS.open(encoding='iso-8859-1') as file:
        for line in file:
            line = line.split('#', 1)[0].split()
            if line:
                number, verdict = line
                vectors.append((number, verdict == 'valid'))
    return vectors


class FIKVectorTestCase(unittest.TestCase):
    "Test the public examples of Business::DK::FI, Uniconta, giro-kort.dk"

    def test_vectors(self):
        "Each vector is valid or invalid as its source says"
        vectors = read_vectors()
        self.assertEqual(len(vectors), 5)
        for number, valid in vectors:
            with self.subTest(number=number):
                # giro-kort.dk prints its id without the leading zeros.
                self.assertIs(fik.is_valid(number.zfill(fik.LENGTH)), valid)

    def test_vectors_check_digit(self):
        "make() gives each valid vector from its base"
        for number, valid in read_vectors():
            if valid:
                with self.subTest(number=number):
                    self.assertEqual(
                        fik.make(number[:-1]), number.zfill(fik.LENGTH))

    def test_uniconta_payment_line(self):
        "Uniconta's line, printed with a blank, reads back"
        self.assertEqual(
            fik.parse('+71< 004040400000669+12345678<'),
            ('004040400000669', '12345678'))
        self.assertEqual(
            fik.format('004040400000669', '12345678'),
            '+71<004040400000669+12345678<')

    def test_business_dk_fi_zero_remainder(self):
        "A sum ending in 0 gives the check digit 0, not Business::DK::FI's 10"
        self.assertEqual(fik.calc_check_digit('0' * 14), '0')
        self.assertEqual(fik.make('0'), '0' * 15)
        self.assertTrue(fik.is_valid('0' * 15))


class FIKErrorTestCase(unittest.TestCase):
    "Test the failures"

    def test_exception_hierarchy(self):
        "The errors are FIKErrors, stdnum errors and ValueErrors"
        cases = [
            (fik.InvalidFormat, stdnum.exceptions.InvalidFormat),
            (fik.InvalidLength, stdnum.exceptions.InvalidLength),
            (fik.InvalidChecksum, stdnum.exceptions.InvalidChecksum),
            (fik.InvalidCreditor, stdnum.exceptions.InvalidComponent),
            ]
        for error, stdnum_error in cases:
            with self.subTest(error=error.__name__):
                self.assertTrue(issubclass(error, fik.FIKError))
                self.assertTrue(issubclass(error, stdnum_error))
                self.assertTrue(issubclass(error, ValueError))
        self.assertTrue(issubclass(fik.InvalidLength, fik.InvalidFormat))

    def test_messages(self):
        "Each error has its own default message, and takes another"
        messages = {str(e()) for e in [
                fik.FIKError, fik.InvalidFormat, fik.InvalidLength,
                fik.InvalidChecksum, fik.InvalidCreditor]}
        self.assertEqual(len(messages), 5)
        self.assertIn("15 digits", str(fik.InvalidLength()))
        self.assertIn("8 digits", str(fik.InvalidCreditor()))
        self.assertEqual(str(fik.InvalidChecksum("Other")), "Other")

    def test_lengths(self):
        "Only 15 digits make a type 71 payment id"
        for number in ['', '26', '0' * 14, '0' * 16, '1' * 25]:
            with self.subTest(number=number):
                with self.assertRaises(fik.InvalidLength):
                    fik.validate(number)
        with self.assertRaises(fik.InvalidLength):
            fik.make('1' * 15)

    def test_letters(self):
        "Letters and other digits raise InvalidFormat"
        for number in ['02684014996532X', '0268401499653-8', '１' * 15]:
            with self.subTest(number=number):
                with self.assertRaises(fik.InvalidFormat):
                    fik.validate(number)
        for base in ['', 'A', '12 3', '١٢٣']:
            with self.subTest(base=base):
                with self.assertRaises(fik.InvalidFormat):
                    fik.make(base)

    def test_creditor(self):
        "A creditor number is 8 digits; spaces are dropped"
        self.assertEqual(fik.validate_creditor('1234 5678'), '12345678')
        for number in ['1234567', '123456789', '1234567X', '', None]:
            with self.subTest(number=number):
                self.assertFalse(fik.is_valid_creditor(number))
                with self.assertRaises(fik.InvalidCreditor):
                    fik.validate_creditor(number)

    def test_bad_payment_lines(self):
        "Lines of another card type or shape raise InvalidFormat"
        for line in [
                '+73<026840149965328+12345678<',
                '+71<026840149965328+12345678',
                '71<026840149965328+12345678<',
                '+71<026840149965328<12345678<',
                '+71<02684014996532A+12345678<',
                None]:
            with self.subTest(line=line):
                with self.assertRaises(fik.InvalidFormat):
                    fik.parse(line)
        with self.assertRaises(fik.InvalidChecksum):
            fik.parse('+71<026840149965327+12345678<')
        with self.assertRaises(fik.InvalidCreditor):
            fik.parse('+71<026840149965328+1234567<')

    def test_junk(self):
        "is_valid returns False on junk and never raises"
        junk = [
            '', ' ', '+', 'abc', '026840149965328\n', '\x00' * 15, None, 123,
            b'026840149965328', '٠٢٦٨٤٠١٤٩٩٦٥٣٢٨']
        for number in junk:
            with self.subTest(number=number):
                self.assertIs(fik.is_valid(number), False)


class FIKPropertyTestCase(unittest.TestCase):
    "Property tests of make, validate, format and parse"

    @properties
    @given(bases)
    def test_make_valid(self, base):
        "make gives a valid 15-digit id that keeps the base"
        number = fik.make(base)
        self.assertEqual(len(number), fik.LENGTH)
        self.assertEqual(number[:-1], base.zfill(fik.LENGTH - 1))
        self.assertEqual(fik.validate(number), number)

    @properties
    @given(bases, st.data())
    def test_single_change_detected(self, base, data):
        "Changing any one digit of a valid id makes it invalid"
        number = fik.make(base)
        position = data.draw(st.integers(0, fik.LENGTH - 1), label='position')
        replacement = data.draw(
            st.sampled_from('0123456789').filter(
                lambda c: c != number[position]), label='replacement')
        changed = number[:position] + replacement + number[position + 1:]
        with self.assertRaises(fik.InvalidChecksum):
            fik.validate(changed)

    @properties
    @given(bases, creditors)
    def test_round_trip(self, base, creditor):
        "parse(format(id, creditor)) gives them back"
        number = fik.make(base)
        line = fik.format(number, creditor)
        self.assertEqual(len(line), 4 + fik.LENGTH + 1 + 8 + 1)
        self.assertEqual(fik.parse(line), (number, creditor))

    @properties
    @given(st.text(max_size=20))
    def test_is_valid_never_raises(self, number):
        "is_valid returns a bool on any text"
        self.assertIsInstance(fik.is_valid(number), bool)
        self.assertIsInstance(fik.is_valid_creditor(number), bool)
