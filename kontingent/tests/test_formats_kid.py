# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import doctest
import itertools
import pathlib
import unittest

import stdnum.exceptions
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ..formats import kid

# CI checks the shared folder out beside the repository clone.
REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = REPOSITORY.parent / 'shared' / 'samples' / 'netsgiro'

algorithms = st.sampled_from([kid.MOD10, kid.MOD11])
bases = st.text(alphabet='0123456789', min_size=1, max_size=24)
properties = settings(deadline=None, database=None)


def load_tests(loader, tests, pattern):
    "Add the examples of the module docstring"
    tests.addTests(doctest.DocTestSuite(
            kid, optionflags=doctest.IGNORE_EXCEPTION_DETAIL))
    return tests


def sample_kids(name):
    "Return the KIDs of the amount item 1 records of a netsgiro sample file"
    if not SAMPLES.is_dir():
        raise unittest.SkipTest(f"No netsgiro sample folder at {SAMPLES}")
    kids = []
    with (SAMPLES / name).open(encoding='iso-8859-1') as file:
        for line in file:
            if line.startswith('NY') and line[6:8] == '30':
                kids.append(line[49:74].strip())
    return kids


def with_check_digit(base, algorithm):
    "Return base and its check digit, '-' included"
    return base + kid.calc_check_digit(base, algorithm)


class KIDSpecificationTestCase(unittest.TestCase):
    "Test the examples of the OCR giro and AvtaleGiro specifications"

    def test_mod10_example(self):
        "MOD10 of 12345678 is 2"
        self.assertEqual(kid.calc_check_digit('12345678', kid.MOD10), '2')
        self.assertEqual(kid.validate('123456782', kid.MOD10), '123456782')
        self.assertEqual(kid.make('12345678', kid.MOD10), '123456782')

    def test_mod11_example(self):
        "MOD11 of 12345678 is 5"
        self.assertEqual(kid.calc_check_digit('12345678', kid.MOD11), '5')
        self.assertEqual(kid.validate('123456785', kid.MOD11), '123456785')
        self.assertEqual(kid.make('12345678', kid.MOD11), '123456785')

    def test_mod11_remainders(self):
        "MOD11 gives 0 for remainder 0 and '-' for remainder 1"
        # 11: 1*2 + 1*3 = 5, r = 5; 0: r = 0; 23: 3*2 + 2*3 = 12, r = 1
        self.assertEqual(kid.calc_check_digit('11', kid.MOD11), '6')
        self.assertEqual(kid.calc_check_digit('0', kid.MOD11), '0')
        self.assertEqual(kid.calc_check_digit('23', kid.MOD11), '-')
        self.assertEqual(kid.validate('23-', kid.MOD11), '23-')
        self.assertEqual(kid.validate('23-'), '23-')

    def test_mod11_weights_repeat(self):
        "MOD11 weights restart at 2 after 7"
        # from the right: 1*2 + ... + 1*7 + 1*2 = 29, r = 7, check 4
        self.assertEqual(kid.calc_check_digit('1' * 7, kid.MOD11), '4')

    def test_either_algorithm(self):
        "Without an algorithm, a KID valid under either is accepted"
        self.assertEqual(kid.validate('123456782'), '123456782')
        self.assertEqual(kid.validate('123456785'), '123456785')
        self.assertFalse(kid.is_valid('123456785', kid.MOD10))
        self.assertFalse(kid.is_valid('123456782', kid.MOD11))

    def test_compact_and_format(self):
        "Only spaces are removed, the final '-' is kept"
        self.assertEqual(kid.compact(' 1234 5678 5 '), '123456785')
        self.assertEqual(kid.compact('23-'), '23-')
        self.assertEqual(kid.compact('12.34'), '12.34')
        self.assertEqual(kid.format('   0000531'), '0000531')
        self.assertEqual(kid.validate('1234 56785'), '123456785')
        self.assertFalse(kid.is_valid('1234.56785'))
        self.assertFalse(kid.is_valid('1234-56785'))

    def test_leading_zeros_kept(self):
        "Leading zeros are part of the KID"
        self.assertEqual(kid.validate('0000531', kid.MOD11), '0000531')

    def test_unknown_algorithm(self):
        "An unknown algorithm is a programming error, not an invalid KID"
        for function in [kid.validate, kid.is_valid, kid.calc_check_digit]:
            with self.subTest(function=function.__name__):
                with self.assertRaises(ValueError) as context:
                    function('123456785', 'mod97')
                self.assertNotIsInstance(context.exception, kid.KIDError)
        with self.assertRaises(ValueError):
            kid.make('12345678', None)


class KIDSampleFileTestCase(unittest.TestCase):
    "Test the KIDs of the netsgiro sample files"

    def test_ocr_giro_kids(self):
        "The OCR giro KIDs: MOD11 or MOD10, each valid under one at least"
        kids = sample_kids('ocr_giro_transactions.txt')
        # (KID, valid MOD10, valid MOD11), in file order.
        self.assertEqual([
                (k, kid.is_valid(k, kid.MOD10), kid.is_valid(k, kid.MOD11))
                for k in kids], [
                ('0000531', False, True),
                ('0036633', False, True),
                ('0048763', False, True),
                ('0063851', False, True),
                ('0120243', False, True),
                ('0165867', False, True),
                ('0178357', False, True),
                ('02212291038306', False, True),
                ('02311291038304', True, True),
                ('02310291038308', False, True),
                ('000149012', False, True),
                ('01211291038306', False, True),
                ('02111291038305', False, True),
                ('02321291038303', True, False),
                ('02331291038302', True, False),
                ('02341291038301', True, False),
                ('02358291038305', True, False),
                ('02311291029238', True, False),
                ('02311291034832', True, False),
                ('02311291133188', True, True),
                ])
        for k in kids:
            self.assertEqual(kid.validate(k), k)

    def test_ocr_giro_7_digit_kids_mod11(self):
        "Every 7-digit OCR giro KID is MOD11 (rails.md)"
        kids = [k for k in sample_kids('ocr_giro_transactions.txt')
            if len(k) == 7]
        self.assertEqual(len(kids), 7)
        for k in kids:
            with self.subTest(kid=k):
                self.assertEqual(kid.validate(k, kid.MOD11), k)

    def test_avtalegiro_kids_mod10(self):
        "Every AvtaleGiro claim KID is MOD10"
        kids = sample_kids('avtalegiro_payment_request.txt')
        self.assertEqual(kids, [
                '008000011688373',
                '008000021688389',
                '008000031688395',
                '008000041688401',
                '008000051688416',
                '008000061688422',
                ])
        for k in kids:
            with self.subTest(kid=k):
                self.assertEqual(kid.validate(k, kid.MOD10), k)


class KIDErrorTestCase(unittest.TestCase):
    "Test the failures of validate"

    def test_exception_hierarchy(self):
        "The errors are KIDErrors, stdnum errors and ValueErrors"
        cases = [
            (kid.InvalidFormat, stdnum.exceptions.InvalidFormat),
            (kid.InvalidLength, stdnum.exceptions.InvalidLength),
            (kid.InvalidChecksum, stdnum.exceptions.InvalidChecksum),
            ]
        for error, stdnum_error in cases:
            with self.subTest(error=error.__name__):
                self.assertTrue(issubclass(error, kid.KIDError))
                self.assertTrue(issubclass(error, stdnum_error))
                self.assertTrue(issubclass(
                        error, stdnum.exceptions.ValidationError))
                self.assertTrue(issubclass(error, ValueError))
        self.assertTrue(issubclass(kid.InvalidLength, kid.InvalidFormat))
        self.assertTrue(issubclass(kid.UnrepresentableKID, kid.KIDError))
        self.assertTrue(issubclass(kid.KIDError, ValueError))

    def test_messages(self):
        "Each error has its own default message, and takes another"
        messages = {str(e()) for e in [
                kid.KIDError, kid.InvalidFormat, kid.InvalidLength,
                kid.InvalidChecksum, kid.UnrepresentableKID]}
        self.assertEqual(len(messages), 5)
        self.assertNotIn('', messages)
        self.assertIn("2 to 25", str(kid.InvalidLength()))
        self.assertIn("check digit", str(kid.InvalidChecksum()))
        self.assertIn("MOD10", str(kid.UnrepresentableKID()))
        self.assertEqual(str(kid.InvalidFormat("Other")), "Other")

    def test_wrong_check_digit(self):
        "A wrong check digit raises InvalidChecksum"
        for catch in [kid.InvalidChecksum, kid.KIDError,
                stdnum.exceptions.InvalidChecksum,
                stdnum.exceptions.ValidationError, ValueError]:
            with self.subTest(catch=catch):
                with self.assertRaises(catch):
                    kid.validate('123456783')
        with self.assertRaises(kid.InvalidChecksum):
            kid.validate('123456785', kid.MOD10)
        with self.assertRaises(kid.InvalidChecksum):
            kid.validate('123456782', kid.MOD11)
        with self.assertRaises(kid.InvalidChecksum):
            kid.validate('12345678-')

    def test_letters(self):
        "Letters raise InvalidFormat"
        for number in ['12A45', 'ABCDEFG', '1234567X', 'x2']:
            with self.subTest(number=number):
                with self.assertRaises(kid.InvalidFormat):
                    kid.validate(number)
                with self.assertRaises(stdnum.exceptions.InvalidFormat):
                    kid.validate(number)

    def test_dash(self):
        "A '-' is only a final MOD11 check digit"
        with self.assertRaises(kid.InvalidFormat):
            kid.validate('23-', kid.MOD10)
        for number in ['2-3', '-23', '23--', '1-2-']:
            with self.subTest(number=number):
                with self.assertRaises(kid.InvalidFormat):
                    kid.validate(number)

    def test_length(self):
        "Length 1 and 26 raise InvalidLength, 2 and 25 are accepted"
        for number in ['0', '1' * 26, '0' * 26]:
            with self.subTest(number=number):
                with self.assertRaises(kid.InvalidLength):
                    kid.validate(number)
                with self.assertRaises(stdnum.exceptions.InvalidLength):
                    kid.validate(number)
        self.assertEqual(kid.validate('00'), '00')
        self.assertEqual(kid.validate('0' * 25), '0' * 25)
        twenty_five = kid.make('1' * 24, kid.MOD10)
        self.assertEqual(kid.validate(twenty_five, kid.MOD10), twenty_five)

    def test_empty(self):
        "An empty or blank KID is invalid"
        for number in ['', ' ', '   ']:
            with self.subTest(number=number):
                with self.assertRaises(kid.InvalidLength):
                    kid.validate(number)

    def test_calc_check_digit_non_digits(self):
        "calc_check_digit raises InvalidFormat on a base that is not digits"
        for base in ['', '12A', '12-', '1 2', '١٢٣']:
            for algorithm in [kid.MOD10, kid.MOD11]:
                with self.subTest(base=base, algorithm=algorithm):
                    with self.assertRaises(kid.InvalidFormat):
                        kid.calc_check_digit(base, algorithm)

    def test_junk(self):
        "is_valid returns False on junk and never raises"
        junk = [
            '', ' ', '-', '--', 'abc', '12-3', '١٢٣', '١٢٣٤٥٦٧٨٢',
            '12345678901234567890123456', '12\n', '12\t', '²3', '12.3',
            '+123', '-123', '0x12', '１２３４５６７８２', '\x00\x00', None, 123,
            b'123456785',
            ]
        for number in junk:
            for algorithm in [None, kid.MOD10, kid.MOD11]:
                with self.subTest(number=number, algorithm=algorithm):
                    self.assertIs(kid.is_valid(number, algorithm), False)


class KIDMakeTestCase(unittest.TestCase):
    "Test make"

    @staticmethod
    def unrepresentable_base():
        "Return the smallest base whose MOD11 check digit is '-'"
        return next(
            str(n) for n in itertools.count(1)
            if kid.calc_check_digit(str(n), kid.MOD11) == '-')

    def test_padding(self):
        "make zero-pads the base to the length"
        self.assertEqual(kid.make('4711', kid.MOD10, length=9), '000047118')
        self.assertEqual(kid.make('4711', kid.MOD10, length=5), '47118')
        self.assertEqual(
            kid.make('1', kid.MOD11, length=25), '0' * 23 + '1' + '9')
        for algorithm in [kid.MOD10, kid.MOD11]:
            for length in range(2, 26):
                with self.subTest(algorithm=algorithm, length=length):
                    number = kid.make('1', algorithm, length=length)
                    self.assertEqual(len(number), length)
                    self.assertEqual(
                        kid.validate(number, algorithm), number)

    def test_too_long(self):
        "A base too long for the length or for a KID raises InvalidLength"
        with self.assertRaises(kid.InvalidLength):
            kid.make('12345', kid.MOD10, length=5)
        with self.assertRaises(kid.InvalidLength):
            kid.make('1' * 25, kid.MOD10)
        for length in [0, 1, 26]:
            with self.subTest(length=length):
                with self.assertRaises(kid.InvalidLength):
                    kid.make('1', kid.MOD10, length=length)

    def test_bad_base(self):
        "A base that is not digits raises InvalidFormat"
        for base in ['', '12A', '12 3', '12-', '١٢٣']:
            with self.subTest(base=base):
                with self.assertRaises(kid.InvalidFormat):
                    kid.make(base, kid.MOD10)

    def test_unrepresentable(self):
        "A MOD11 base whose check digit is '-' raises UnrepresentableKID"
        base = self.unrepresentable_base()
        self.assertEqual(base, '6')
        self.assertTrue(kid.is_valid(base + '-', kid.MOD11))
        for length in [None, 2, 10]:
            with self.subTest(length=length):
                with self.assertRaises(kid.UnrepresentableKID):
                    kid.make(base, kid.MOD11, length=length)
        with self.assertRaises(kid.KIDError):
            kid.make('23', kid.MOD11)
        # MOD10 has no such check digit.
        self.assertEqual(kid.make(base, kid.MOD10), '67')

    def test_round_trip(self):
        "validate(make(base)) is make(base)"
        for base in ['0', '1', '12345678', '00012', '9' * 24]:
            for algorithm in [kid.MOD10, kid.MOD11]:
                with self.subTest(base=base, algorithm=algorithm):
                    try:
                        number = kid.make(base, algorithm)
                    except kid.UnrepresentableKID:
                        continue
                    self.assertEqual(
                        kid.validate(number, algorithm), number)


class KIDPropertyTestCase(unittest.TestCase):
    "Property tests of make, validate and the errors they detect"

    @properties
    @given(bases, algorithms, st.data())
    def test_make_valid(self, base, algorithm, data):
        "make gives a valid KID unless the MOD11 check digit is '-'"
        check = kid.calc_check_digit(base, algorithm)
        if check == '-':
            self.assertEqual(algorithm, kid.MOD11)
            with self.assertRaises(kid.UnrepresentableKID):
                kid.make(base, algorithm)
            return
        number = kid.make(base, algorithm)
        self.assertEqual(number, base + check)
        self.assertEqual(kid.validate(number, algorithm), number)
        self.assertEqual(kid.validate(number), number)
        self.assertTrue(kid.is_valid(number, algorithm))

        length = data.draw(st.integers(len(base) + 1, 25), label='length')
        padded = kid.make(base, algorithm, length=length)
        self.assertEqual(len(padded), length)
        self.assertEqual(padded, base.zfill(length - 1) + check)
        self.assertEqual(kid.validate(padded, algorithm), padded)

    @properties
    @given(bases, algorithms, st.data())
    def test_single_change_detected(self, base, algorithm, data):
        "Changing any one character of a valid KID makes it invalid"
        number = with_check_digit(base, algorithm)
        self.assertTrue(kid.is_valid(number, algorithm))
        position = data.draw(
            st.integers(0, len(number) - 1), label='position')
        replacement = data.draw(
            st.sampled_from('0123456789').filter(
                lambda c: c != number[position]), label='replacement')
        changed = (
            number[:position] + replacement + number[position + 1:])
        with self.assertRaises(kid.InvalidChecksum):
            kid.validate(changed, algorithm)

    @properties
    @given(bases, st.data())
    def test_mod11_transposition_detected(self, base, data):
        "MOD11 detects every swap of two adjacent different digits"
        number = with_check_digit(base, kid.MOD11)
        pairs = [
            i for i in range(len(number) - 1)
            if number[i] != number[i + 1] and '-' not in number[i:i + 2]]
        assume(pairs)
        i = data.draw(st.sampled_from(pairs), label='position')
        swapped = number[:i] + number[i + 1] + number[i] + number[i + 2:]
        with self.assertRaises(kid.InvalidChecksum):
            kid.validate(swapped, kid.MOD11)

    @properties
    @given(bases, st.data())
    def test_mod10_transposition(self, base, data):
        "MOD10 detects every adjacent swap of different digits but 09/90"
        number = with_check_digit(base, kid.MOD10)
        pairs = [
            i for i in range(len(number) - 1) if number[i] != number[i + 1]]
        assume(pairs)
        i = data.draw(st.sampled_from(pairs), label='position')
        swapped = number[:i] + number[i + 1] + number[i] + number[i + 2:]
        undetected = {number[i], number[i + 1]} == {'0', '9'}
        self.assertIs(kid.is_valid(swapped, kid.MOD10), undetected)

    def test_mod10_transposition_exhaustive(self):
        "Luhn misses an adjacent swap exactly for the digits 0 and 9"
        for a, b in itertools.permutations('0123456789', 2):
            for prefix, suffix in [('', ''), ('5', ''), ('', '3')]:
                with self.subTest(a=a, b=b, prefix=prefix, suffix=suffix):
                    number = with_check_digit(
                        prefix + a + b + suffix, kid.MOD10)
                    swapped = with_check_digit(
                        prefix + b + a + suffix, kid.MOD10)
                    self.assertIs(
                        number[-1] == swapped[-1], {a, b} == {'0', '9'})

    @properties
    @given(st.text(max_size=30), st.sampled_from(
            [None, kid.MOD10, kid.MOD11]))
    def test_is_valid_never_raises(self, number, algorithm):
        "is_valid returns a bool on any text"
        self.assertIsInstance(kid.is_valid(number, algorithm), bool)
