# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
import doctest
import pathlib
import unittest
from decimal import Decimal

import netsgiro
from hypothesis import given, settings
from hypothesis import strategies as st

from ..formats import kid, ocr_giro
from ..formats.ocr_giro import (
    Assignment, InvalidLine, InvalidSequence, InvalidTotals, InvalidValue,
    OCRGiroError, Transaction, TransactionType, Transmission,
    UnsupportedService)

# CI checks the shared folder out beside the repository clone.
REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = REPOSITORY.parent / 'shared' / 'samples'

properties = settings(deadline=None, database=None)
DAY = datetime.date(2026, 1, 5)


def load_tests(loader, tests, pattern):
    "Add the examples of the module docstring"
    tests.addTests(doctest.DocTestSuite(
            ocr_giro, optionflags=doctest.IGNORE_EXCEPTION_DETAIL))
    return tests


def sample(name):
    "Return the bytes of a file of the shared samples folder"
    if not SAMPLES.is_dir():
        raise unittest.SkipTest(f"No sample folder at {SAMPLES}")
    return (SAMPLES / name).read_bytes()


def example():
    """Return a transmission of two assignments with every kind of record:
    a giro payment, a reversal with text and one with a KID ending in '-'"""
    return Transmission(
        number='0000042', data_transmitter=ocr_giro.NETS_ID,
        data_recipient='00010200', nets_date=DAY, assignments=[
            Assignment(
                number='0000001', agreement_id='001008566',
                account='99991042764', nets_date=DAY, transactions=[
                    Transaction(
                        type=TransactionType.FROM_GIRO_DEBITED_ACCOUNT,
                        number=1, nets_date=datetime.date(2026, 1, 2),
                        amount=Decimal('350.00'), kid='0000531',
                        centre_id='13', day_code=2,
                        partial_settlement_number=1,
                        partial_settlement_serial_number=1464,
                        form_number='9636827194',
                        archive_reference='099038562', filler='1883206',
                        bank_date=datetime.date(2025, 12, 30),
                        debit_account='99990512341'),
                    Transaction(
                        type=TransactionType.REVERSING_WITH_TEXT,
                        number=2, nets_date=DAY, amount=Decimal('99.50'),
                        kid='23-', sign=ocr_giro.NEGATIVE,
                        card_issuer='04', text='  Kiosk \u00e6\u00f8\u00e5'),
                    ]),
            Assignment(
                number='0000002', agreement_id='001008567',
                account='99991042764', nets_date=DAY, transactions=[
                    Transaction(
                        type=TransactionType.REVERSING_WITH_KID,
                        number=7, nets_date=DAY, amount=Decimal('0.01'),
                        kid='6-'),
                    ]),
            ])


def example_lines():
    return ocr_giro.serialise(example()).splitlines()


def replace(line, start, text):
    "Return line with text at the 1-based position start"
    return line[:start - 1] + text + line[start - 1 + len(text):]


class OCRGiroSampleTestCase(unittest.TestCase):
    "Test the real files of the shared samples folder"

    def test_transactions(self):
        "The netsgiro OCR giro file: header, counts, totals, KIDs"
        transmission = ocr_giro.parse(
            sample('netsgiro/ocr_giro_transactions.txt'))
        self.assertEqual(transmission.number, '0170031')
        self.assertEqual(transmission.data_transmitter, ocr_giro.NETS_ID)
        self.assertEqual(transmission.data_recipient, '00010200')
        self.assertEqual(transmission.nets_date, datetime.date(1992, 1, 20))
        self.assertEqual(len(transmission.assignments), 1)
        assignment, = transmission.assignments
        self.assertEqual(assignment.number, '0000002')
        self.assertEqual(assignment.agreement_id, '001008566')
        self.assertEqual(assignment.account, '99991042764')
        transactions = assignment.transactions
        self.assertEqual([t.number for t in transactions], list(range(1, 21)))
        self.assertEqual(transmission.total_amount, Decimal('51449.00'))
        self.assertEqual(
            [t.type for t in transactions[:14]], [21] + [10] * 6 + [
                11, 12, 13, 11, 12, 13, 13])

        first = transactions[0]
        self.assertEqual(first.type, TransactionType.PURCHASE_WITH_TEXT)
        self.assertEqual(first.kid, '0000531')
        self.assertEqual(first.amount, Decimal('1020.00'))
        self.assertEqual(first.text, 'Foo bar baz')
        self.assertEqual(first.centre_id, '13')
        self.assertEqual(first.day_code, 20)
        self.assertEqual(first.partial_settlement_number, 1)
        self.assertEqual(first.partial_settlement_serial_number, 1464)
        self.assertEqual(first.sign, ocr_giro.UNSIGNED)
        self.assertEqual(first.form_number, '9636827194')
        self.assertEqual(first.archive_reference, '099038562')
        self.assertEqual(first.bank_date, datetime.date(1992, 1, 16))
        self.assertEqual(first.debit_account, '99990512341')
        self.assertFalse(first.is_reversal)

        self.assertEqual(transactions[1].filler, '1883206')
        self.assertIsNone(transactions[1].text)
        self.assertEqual(
            (transactions[10].kid, transactions[10].amount),
            ('000149012', Decimal('1943.00')))
        self.assertEqual(
            (transactions[13].kid, transactions[13].amount),
            ('02321291038303', Decimal('20500.00')))
        # Direct remittances and BTG have no bank date.
        self.assertIsNone(transactions[8].bank_date)
        self.assertEqual(
            (transactions[19].kid, transactions[19].amount),
            ('02311291133188', Decimal('540.00')))
        for transaction in transactions:
            with self.subTest(number=transaction.number):
                self.assertEqual(
                    kid.validate(transaction.kid), transaction.kid)

    def test_transactions_round_trip(self):
        "The sample is written back byte for byte, whatever its line ends"
        data = sample('netsgiro/ocr_giro_transactions.txt')
        transmission = ocr_giro.parse(data)
        self.assertEqual(
            ocr_giro.serialise(transmission).encode('iso-8859-1'), data)
        crlf = data.replace(b'\n', b'\r\n')
        self.assertEqual(ocr_giro.parse(crlf), transmission)
        self.assertEqual(
            ocr_giro.serialise(transmission, '\r\n').encode('iso-8859-1'),
            crlf)
        self.assertEqual(
            ocr_giro.parse(data.decode('iso-8859-1')), transmission)

    def test_transactions_as_netsgiro_reads_them(self):
        "netsgiro reads the same values from the sample"
        data = sample('netsgiro/ocr_giro_transactions.txt')
        ours = ocr_giro.parse(data).assignments[0].transactions
        theirs = netsgiro.parse(
            data.decode('iso-8859-1')).assignments[0].transactions
        self.assertEqual(len(ours), len(theirs))
        for our, their in zip(ours, theirs):
            with self.subTest(number=our.number):
                self.assertEqual(
                    (our.type, our.number, our.nets_date, our.amount,
                        our.kid, our.archive_reference, our.text,
                        our.centre_id, our.day_code,
                        our.partial_settlement_number,
                        f'{our.partial_settlement_serial_number:05d}',
                        our.sign, our.form_number, our.bank_date,
                        our.debit_account, our.filler),
                    (their.type, their.number, their.date, their.amount,
                        their.kid, their.reference, their.text,
                        their.centre_id, their.day_code,
                        their.partial_settlement_number,
                        their.partial_settlement_serial_number,
                        their.sign, their.form_number, their.bank_date,
                        their.debit_account, their._filler))

    def test_avtalegiro_samples(self):
        "AvtaleGiro files are no OCR giro files: the message says so"
        for name in [
                'netsgiro/avtalegiro_payment_request.txt',
                'netsgiro/avtalegiro_agreements.txt',
                'mastercard/mps_avtalegiro_mandates_example.txt',
                ]:
            with self.subTest(name=name):
                with self.assertRaises(UnsupportedService) as context:
                    ocr_giro.parse(sample(name))
                self.assertEqual(context.exception.line, 2)
                self.assertEqual(
                    str(context.exception),
                    "line 2: service code 21 is AvtaleGiro; this reader "
                    "reads OCR giro (service code 09) only")

    def test_normalnorway_rejected(self):
        "The malformed normalnorway fixture is rejected at its line 2"
        with self.assertRaises(OCRGiroError) as context:
            ocr_giro.parse(sample('normalnorway/fixture_test1_split.txt'))
        self.assertEqual(context.exception.line, 2)
        self.assertIn("AvtaleGiro", context.exception.reason)

    def test_manual_example(self):
        "The manual's example (type 10 instead of 21, no item 3) is read"
        lines = sample('netsgiro/ocr_giro_transactions.txt').decode(
            'iso-8859-1').splitlines()
        manual = [
            lines[0], lines[1], replace(lines[2], 5, '10'),
            replace(lines[3], 5, '10')] + lines[5:-2] + [
            replace(lines[-2], 17, '00000042'),
            replace(lines[-1], 17, '00000044')]
        transmission = ocr_giro.parse('\n'.join(manual))
        first = transmission.assignments[0].transactions[0]
        self.assertEqual(first.type, TransactionType.FROM_GIRO_DEBITED_ACCOUNT)
        self.assertIsNone(first.text)
        self.assertEqual(
            ocr_giro.serialise(transmission), '\n'.join(manual) + '\n')


class OCRGiroErrorTestCase(unittest.TestCase):
    "Test that each corruption raises its error, naming line and reason"

    def assertError(self, lines, error, message):
        with self.assertRaises(error) as context:
            ocr_giro.parse('\n'.join(lines))
        self.assertEqual(str(context.exception), message)
        self.assertIsInstance(context.exception, OCRGiroError)
        self.assertIsInstance(context.exception, ValueError)

    def test_example_layout(self):
        "The example has the records expected by the other tests"
        self.assertEqual(
            [line[6:8] for line in example_lines()],
            ['10', '20', '30', '31', '30', '31', '32', '88',
                '20', '30', '31', '88', '89'])

    def test_assignment_end_totals(self):
        "Wrong counts, totals and dates of an assignment end are found"
        lines = example_lines()
        for start, text, message in [
                (9, '00000003', "3 transactions, the assignment has 2"),
                (17, '00000008', "8 records, the assignment has 7"),
                (25, '00000000000044949', "the total 449.49, "
                    "the transactions add up to 449.50"),
                (48, '030126', "the earliest Nets date 2026-01-03, "
                    "the earliest transaction is of 2026-01-02"),
                (54, '040126', "the latest Nets date 2026-01-04, "
                    "the latest transaction is of 2026-01-05"),
                ]:
            with self.subTest(message=message):
                corrupt = lines[:]
                corrupt[7] = replace(lines[7], start, text)
                self.assertError(
                    corrupt, InvalidTotals,
                    "line 8: the end of the assignment gives " + message)

    def test_transmission_end_totals(self):
        "Wrong counts and totals of the transmission end are found"
        lines = example_lines()
        for start, text, message in [
                (9, '00000004', "4 transactions, the transmission has 3"),
                (17, '00000012', "12 records, the transmission has 13"),
                (25, '00000000000044952', "the total 449.52, "
                    "the transactions add up to 449.51"),
                ]:
            with self.subTest(message=message):
                corrupt = lines[:]
                corrupt[12] = replace(lines[12], start, text)
                self.assertError(
                    corrupt, InvalidTotals,
                    "line 13: the end of the transmission gives " + message)

    def test_empty_assignment_dates(self):
        "An assignment without transactions has no earliest or latest date"
        transmission = example()
        transmission.assignments[1].transactions = []
        lines = ocr_giro.serialise(transmission).splitlines()
        self.assertEqual(lines[9][47:59], '0' * 12)
        self.assertEqual(ocr_giro.parse('\n'.join(lines)), transmission)
        lines[9] = replace(lines[9], 48, DAY.strftime('%d%m%y'))
        self.assertError(
            lines, InvalidTotals, "line 10: the end of the assignment gives "
            "the earliest Nets date 2026-01-05, the earliest transaction is "
            "of none")

    def test_line_length(self):
        "A line of 79 or 81 characters, or a blank line, is refused"
        lines = example_lines()
        for line, length in [
                (lines[4][:-1], 79), (lines[4] + '0', 81), ('', 0)]:
            with self.subTest(length=length):
                corrupt = lines[:]
                corrupt[4] = line
                self.assertError(
                    corrupt, InvalidLine,
                    f"line 5: the line has {length} characters, not 80")

    def test_record_types(self):
        "An unknown record type, format code or service code is refused"
        lines = example_lines()
        for start, text, error, message in [
                (7, '50', InvalidLine, "record type '50' is not one of OCR "
                    "giro (10, 20, 30, 31, 32, 88, 89)"),
                (7, '3X', InvalidLine, "record type '3X' is not one of OCR "
                    "giro (10, 20, 30, 31, 32, 88, 89)"),
                (1, 'NX', InvalidLine,
                    "the line starts with 'NX', not the format code 'NY'"),
                (3, '00', InvalidLine, "amount item 1: positions 3-4 "
                    "(service code) must be '09', not '00'"),
                (3, '21', UnsupportedService, "service code 21 is "
                    "AvtaleGiro; this reader reads OCR giro (service code "
                    "09) only"),
                (5, '22', InvalidLine, "amount item 1: positions 5-6 "
                    "(transaction type) must be a transaction type from 10 "
                    "to 21, not '22'"),
                ]:
            with self.subTest(message=message):
                corrupt = lines[:]
                corrupt[4] = replace(lines[4], start, text)
                self.assertError(corrupt, error, "line 5: " + message)

    def test_fields(self):
        "A field that breaks its layout is named with its positions"
        lines = example_lines()
        for index, start, text, message in [
                (2, 16, '310226', "amount item 1: positions 16-21 (Nets "
                    "date) must be a date DDMMYY, not '310226'"),
                (2, 33, '0000000000003500O', "amount item 1: positions "
                    "33-49 (amount) must be digits, not "
                    "'0000000000003500O'"),
                (2, 32, '+', "amount item 1: positions 32-32 (sign) must be "
                    "'0' or '-', not '+'"),
                (2, 69, '05 31', "amount item 1: positions 50-74 (KID) must "
                    "be digits, possibly ending in '-', right-aligned, not '"
                    + ' ' * 18 + "005 311'"),
                (2, 77, '0001', "amount item 1: positions 77-80 (filler) "
                    "must be '0000', not '0001'"),
                (3, 42, '000013', "amount item 2: positions 42-47 (bank "
                    "date) must be a date DDMMYY, not '000013'"),
                (0, 9, '0000808A', "the start of the transmission: positions "
                    "9-16 (data transmitter) must be digits, not '0000808A'"),
                (6, 20, '\t', "amount item 3: positions 16-55 (free text) "
                    "must be ISO-8859-1 text without control characters, "
                    "not " + repr('  Ki\tsk æøå'.ljust(40))),
                ]:
            with self.subTest(message=message):
                corrupt = lines[:]
                corrupt[index] = replace(lines[index], start, text)
                self.assertError(
                    corrupt, InvalidLine, f"line {index + 1}: " + message)

    def test_kid_not_right_aligned(self):
        "A KID followed by blanks is refused"
        lines = example_lines()
        lines[2] = replace(lines[2], 50, '0000531'.ljust(25))
        with self.assertRaises(InvalidLine) as context:
            ocr_giro.parse('\n'.join(lines))
        self.assertIn("positions 50-74 (KID)", str(context.exception))

    def test_non_latin_1(self):
        "A str holding a character outside ISO-8859-1 is refused"
        lines = example_lines()
        lines[6] = replace(lines[6], 20, '\u20ac')
        with self.assertRaises(InvalidLine) as context:
            ocr_giro.parse('\n'.join(lines))
        self.assertEqual(context.exception.line, 7)

    def test_windows_1252_text(self):
        "C1 bytes of Windows-1252 text ('\u2026' is 0x85) stay in the text"
        lines = example_lines()
        lines[6] = replace(lines[6], 23, '\x85')
        transmission = ocr_giro.parse(
            '\n'.join(lines).encode('iso-8859-1'))
        self.assertEqual(
            transmission.assignments[0].transactions[1].text,
            '  Kiosk\x85\u00e6\u00f8\u00e5')

    def test_item_2_missing(self):
        "An amount item 1 not followed by its item 2 is refused"
        lines = example_lines()
        self.assertError(
            lines[:3] + lines[4:], InvalidSequence,
            "line 4: expected amount item 2 for transaction 1, found amount "
            "item 1 for transaction 2")
        self.assertError(
            lines[:10] + lines[11:], InvalidSequence,
            "line 11: expected amount item 2 for transaction 7, found the "
            "end of the assignment")

    def test_item_2_of_another_transaction(self):
        "An amount item 2 must carry the number and type of its item 1"
        lines = example_lines()
        corrupt = lines[:]
        corrupt[3] = replace(lines[3], 9, '0000002')
        self.assertError(
            corrupt, InvalidSequence,
            "line 4: amount item 2 for transaction 2 follows transaction 1")
        corrupt = lines[:]
        corrupt[3] = replace(lines[3], 5, '11')
        self.assertError(
            corrupt, InvalidSequence,
            "line 4: amount item 2 for transaction 1 has type 11, amount "
            "item 1 type 10")
        corrupt = lines[:]
        corrupt[6] = replace(lines[6], 9, '0000003')
        self.assertError(
            corrupt, InvalidSequence,
            "line 7: amount item 3 for transaction 3 follows transaction 2")

    def test_item_3(self):
        "Types 20 and 21 need amount item 3, the other types have none"
        lines = example_lines()
        self.assertError(
            lines[:6] + lines[7:], InvalidSequence,
            "line 7: expected amount item 3 for transaction 2, found the end "
            "of the assignment")
        item_3 = replace(lines[6], 9, '0000001')
        self.assertError(
            lines[:4] + [item_3] + lines[4:], InvalidSequence,
            "line 5: amount item 3 for transaction 1 follows a transaction "
            "of type 10; only types 20 and 21 have one")

    def test_transaction_numbers_ascend(self):
        "A transaction number repeated or lower than the last is refused"
        lines = example_lines()
        for number in ['0000001', '0000000']:
            with self.subTest(number=number):
                corrupt = lines[:]
                for index in [4, 5, 6]:
                    corrupt[index] = replace(lines[index], 9, number)
                self.assertError(
                    corrupt, InvalidSequence,
                    f"line 5: transaction {int(number)} follows transaction "
                    "1; the numbers must ascend")

    def test_structure(self):
        "Missing start and end records and records after the end"
        lines = example_lines()
        self.assertError(
            lines[1:], InvalidSequence,
            "line 1: expected the start of the transmission, found the "
            "start of an assignment")
        self.assertError(
            lines[:-1], InvalidSequence,
            "line 13: expected the start of an assignment or the end of the "
            "transmission, found the end of the file")
        self.assertError(
            lines[:7] + lines[8:], InvalidSequence,
            "line 8: expected amount item 1 or the end of the assignment, "
            "found the start of an assignment")
        self.assertError(
            lines + lines[1:2], InvalidSequence,
            "line 14: the start of an assignment after the end of the "
            "transmission")
        self.assertError(
            [lines[0], lines[7], lines[12]], InvalidSequence,
            "line 2: expected the start of an assignment or the end of the "
            "transmission, found the end of the assignment")
        for data in ['', '\n', '\r\n\r\n']:
            with self.subTest(data=data):
                with self.assertRaises(InvalidSequence) as context:
                    ocr_giro.parse(data)
                self.assertEqual(str(context.exception), "the file is empty")

    def test_not_a_file(self):
        "Anything but bytes or str is a programming error"
        with self.assertRaises(TypeError):
            ocr_giro.parse(None)

    def test_line_ends(self):
        "LF, CRLF, mixed line ends and final blank lines read the same"
        text = ocr_giro.serialise(example())
        for data in [
                text, text.rstrip('\n'), text + '\n', text + '\r\n',
                text.replace('\n', '\r\n'), text.replace('\n', '\r\n', 3),
                text.encode('iso-8859-1'),
                text.replace('\n', '\r\n').encode('iso-8859-1') + b'\r\n',
                ]:
            with self.subTest(data=data[-6:]):
                self.assertEqual(ocr_giro.parse(data), example())

    def test_blank_line_inside(self):
        "A blank line between records is refused"
        lines = example_lines()
        self.assertError(
            lines[:5] + [''] + lines[5:], InvalidLine,
            "line 6: the line has 0 characters, not 80")

    def test_mod11_kid_with_dash(self):
        "KIDs ending in '-' are read, as netsgiro cannot"
        text = ocr_giro.serialise(example())
        transmission = ocr_giro.parse(text)
        self.assertEqual(
            [t.kid for a in transmission.assignments
                for t in a.transactions], ['0000531', '23-', '6-'])
        with self.assertRaises(ValueError):
            netsgiro.parse(text)

    def test_blank_kid(self):
        "A blank KID is read as None"
        transmission = example()
        transmission.assignments[1].transactions[0].kid = None
        text = ocr_giro.serialise(transmission)
        self.assertEqual(text.splitlines()[9][49:74], ' ' * 25)
        self.assertEqual(ocr_giro.parse(text), transmission)

    def test_reversal_amounts_added(self):
        "Reversals and negative amounts add to the totals as written"
        transmission = ocr_giro.parse(ocr_giro.serialise(example()))
        self.assertEqual(
            [t.is_reversal for a in transmission.assignments
                for t in a.transactions], [False, True, True])
        self.assertEqual(transmission.total_amount, Decimal('449.51'))

    def test_layouts(self):
        "Every layout covers the positions 1 to 80 once, in order"
        for code, layout in ocr_giro.LAYOUTS.items():
            with self.subTest(layout=layout.name):
                positions = [
                    p for f in layout.fields
                    for p in range(f.start, f.end + 1)]
                self.assertEqual(positions, list(range(1, 81)))
                self.assertEqual(layout.fields[3].fill, code)


class OCRGiroSerialiseTestCase(unittest.TestCase):
    "Test serialise and fingerprint"

    def assertInvalid(self, transmission, message):
        with self.assertRaises(InvalidValue) as context:
            ocr_giro.serialise(transmission)
        self.assertEqual(str(context.exception), message)
        self.assertIsNone(context.exception.line)

    def changed(self, assignment=0, transaction=None, **changes):
        "Return the example with changes to one of its objects"
        transmission = example()
        if assignment is None:
            target = transmission
        elif transaction is None:
            target = transmission.assignments[assignment]
        else:
            target = transmission.assignments[assignment].transactions[
                transaction]
        for name, value in changes.items():
            setattr(target, name, value)
        return transmission

    def test_newline(self):
        "Each line ends with newline, the last one too"
        text = ocr_giro.serialise(example(), newline='\r\n')
        self.assertTrue(text.endswith('0\r\n'))
        self.assertEqual(text.count('\r\n'), 13)
        self.assertEqual(
            {len(line) for line in text.split('\r\n')[:-1]}, {80})

    def test_invalid_values(self):
        "A value the file cannot carry or would read otherwise is refused"
        where = "assignment 0000001, transaction 1"
        for changes, message in [
                (dict(amount=Decimal('1.005')), "the amount 1.005 is not a "
                    "whole number of øre from 0 up"),
                (dict(amount=Decimal('-1.00')), "the amount -1.00 is not a "
                    "whole number of øre from 0 up"),
                (dict(amount=1.5), "the amount 1.5 is not a Decimal"),
                (dict(amount=Decimal('1E+15')), "the amount "
                    "Decimal('1E+15') does not fit positions 33-49 of amount "
                    "item 1: digits"),
                (dict(kid=''), "the KID '' would be read back as None"),
                (dict(kid='12 3'), "the KID '12 3' does not fit positions "
                    "50-74 of amount item 1: digits, possibly ending in '-', "
                    "right-aligned"),
                (dict(kid='1' * 26), "the KID '" + '1' * 26 + "' does not "
                    "fit positions 50-74 of amount item 1: digits, possibly "
                    "ending in '-', right-aligned"),
                (dict(debit_account='0' * 11), "the debit account "
                    "'00000000000' would be read back as None"),
                (dict(card_issuer='00'), "the card issuer '00' would be "
                    "read back as None"),
                (dict(nets_date=datetime.date(1950, 1, 1)), "the Nets date "
                    "datetime.date(1950, 1, 1) is not a date from 1969 to "
                    "2068"),
                (dict(nets_date=datetime.datetime(2026, 1, 5)), "the Nets "
                    "date datetime.datetime(2026, 1, 5, 0, 0) is not a date "
                    "from 1969 to 2068"),
                (dict(nets_date=None), "the Nets date is missing"),
                (dict(number='1'), "the transaction number '1' is not an "
                    "int"),
                (dict(day_code=100), "the day code 100 does not fit "
                    "positions 24-25 of amount item 1: digits"),
                (dict(type=22), "the transaction type 22 does not fit "
                    "positions 5-6 of amount item 1: a transaction type "
                    "from 10 to 21"),
                (dict(sign='+'), "the sign '+' does not fit positions 32-32 "
                    "of amount item 1: '0' or '-'"),
                (dict(form_number=1), "the form number 1 is not a str"),
                (dict(text='Kiosk'), "only transactions of type 20 and 21 "
                    "have a text"),
                ]:
            with self.subTest(message=message):
                self.assertInvalid(
                    self.changed(transaction=0, **changes),
                    f"{where}: {message}")

    def test_invalid_text(self):
        "The free text must fit 40 characters and keep its last character"
        where = "assignment 0000001, transaction 2"
        for text, message in [
                (None, "the free text is missing"),
                ('x' * 41, f"the free text '{'x' * 41}' does not fit "
                    "positions 16-55 of amount item 3: ISO-8859-1 text "
                    "without control characters"),
                ('Kiosk ', "the free text 'Kiosk ' would be read back as "
                    "'Kiosk'"),
                ('Kiosk\n', "the free text 'Kiosk\\n' does not fit "
                    "positions 16-55 of amount item 3: ISO-8859-1 text "
                    "without control characters"),
                ('\u20ac', "the free text '\u20ac' does not fit "
                    "positions 16-55 of amount item 3: ISO-8859-1 text "
                    "without control characters"),
                ]:
            with self.subTest(text=text):
                self.assertInvalid(
                    self.changed(transaction=1, text=text),
                    f"{where}: {message}")

    def test_invalid_headers(self):
        "Numbers and accounts of the start records must be exact digits"
        self.assertInvalid(
            self.changed(assignment=None, number='42'),
            "the transmission: the transmission number '42' does not fit "
            "positions 17-23 of the start of the transmission: digits")
        self.assertInvalid(
            self.changed(account='9999.10.42764'),
            "assignment 0000001: the assignment account '9999.10.42764' "
            "does not fit positions 25-35 of the start of an assignment: "
            "digits")
        self.assertInvalid(
            self.changed(assignment=1, nets_date=None),
            "assignment 0000002: the Nets date is missing")

    def test_transaction_numbers_ascend(self):
        "Transactions must be in ascending order of number"
        self.assertInvalid(
            self.changed(transaction=1, number=1),
            "assignment 0000001: transaction 1 follows transaction 1; the "
            "numbers must ascend")

    def test_fingerprint(self):
        "The fingerprint ignores line ends and changes with any value"
        transmission = example()
        fingerprint = ocr_giro.fingerprint(transmission)
        text = ocr_giro.serialise(transmission)
        self.assertEqual(
            ocr_giro.fingerprint(ocr_giro.parse(
                    text.replace('\n', '\r\n') + '\r\n')), fingerprint)
        self.assertRegex(fingerprint, '^[0-9a-f]{64}$')
        self.assertNotEqual(
            ocr_giro.fingerprint(self.changed(
                    transaction=0, amount=Decimal('350.01'))), fingerprint)
        self.assertNotEqual(
            ocr_giro.fingerprint(self.changed(
                    assignment=None, number='0000043')), fingerprint)


def digits(size):
    return st.text('0123456789', min_size=size, max_size=size)


def not_zeros(size):
    return digits(size).filter(lambda value: set(value) != {'0'})


dates = st.dates(datetime.date(1969, 1, 1), datetime.date(2068, 12, 31))
amounts = st.integers(0, 10 ** 13).map(lambda ore: Decimal(ore).scaleb(-2))
kids = st.one_of(st.none(), st.builds(
        lambda base, algorithm: base + kid.calc_check_digit(base, algorithm),
        st.text('0123456789', min_size=1, max_size=24),
        st.sampled_from([kid.MOD10, kid.MOD11])))
texts = st.text(
    st.characters(
        min_codepoint=0x20, max_codepoint=0xff, exclude_characters='\x7f'),
    max_size=40).map(lambda text: text.rstrip(' '))


@st.composite
def transactions(draw, number):
    type_ = draw(st.sampled_from(TransactionType))
    return Transaction(
        type=type_, number=number, nets_date=draw(dates),
        amount=draw(amounts), kid=draw(kids), centre_id=draw(digits(2)),
        day_code=draw(st.integers(0, 99)),
        partial_settlement_number=draw(st.integers(0, 9)),
        partial_settlement_serial_number=draw(st.integers(0, 99999)),
        sign=draw(st.sampled_from([ocr_giro.UNSIGNED, ocr_giro.NEGATIVE])),
        card_issuer=draw(st.none() | not_zeros(2)),
        form_number=draw(digits(10)),
        archive_reference=draw(digits(9)), filler=draw(digits(7)),
        bank_date=draw(st.none() | dates),
        debit_account=draw(st.none() | not_zeros(11)),
        text=draw(texts) if type_ in ocr_giro.WITH_TEXT else None)


@st.composite
def assignments(draw):
    numbers = sorted(draw(st.sets(st.integers(1, 9999999), max_size=4)))
    return Assignment(
        number=draw(digits(7)), agreement_id=draw(digits(9)),
        account=draw(digits(11)), nets_date=draw(dates),
        transactions=[draw(transactions(n)) for n in numbers])


transmissions = st.builds(
    Transmission, number=digits(7), data_transmitter=digits(8),
    data_recipient=digits(8), nets_date=dates,
    assignments=st.lists(assignments(), max_size=3))


def to_netsgiro(transmission):
    "Return the netsgiro Transmission holding the same values"
    result = netsgiro.Transmission(
        number=transmission.number,
        data_transmitter=transmission.data_transmitter,
        data_recipient=transmission.data_recipient,
        date=transmission.nets_date)
    for assignment in transmission.assignments:
        result.assignments.append(netsgiro.Assignment(
                service_code=netsgiro.ServiceCode.OCR_GIRO,
                type=netsgiro.AssignmentType.TRANSACTIONS,
                number=assignment.number, account=assignment.account,
                agreement_id=assignment.agreement_id,
                date=assignment.nets_date, transactions=[
                    netsgiro.Transaction(
                        service_code=netsgiro.ServiceCode.OCR_GIRO,
                        type=t.type, number=t.number, date=t.nets_date,
                        amount=t.amount, kid=t.kid,
                        reference=t.archive_reference, text=t.text,
                        centre_id=t.centre_id, day_code=t.day_code,
                        partial_settlement_number=(
                            t.partial_settlement_number),
                        partial_settlement_serial_number=(
                            f'{t.partial_settlement_serial_number:05d}'),
                        sign=t.sign, form_number=t.form_number,
                        bank_date=t.bank_date,
                        debit_account=t.debit_account or '0' * 11,
                        filler=t.filler)
                    for t in assignment.transactions]))
    return result


class OCRGiroPropertyTestCase(unittest.TestCase):
    "Property tests of the round trips and of the errors"

    @properties
    @given(transmissions)
    def test_parse_serialise(self, transmission):
        "parse(serialise(t)) == t"
        self.assertEqual(
            ocr_giro.parse(ocr_giro.serialise(transmission)), transmission)

    @properties
    @given(
        transmissions, st.sampled_from(['\n', '\r\n']), st.booleans(),
        st.booleans())
    def test_serialise_parse(self, transmission, newline, blank, encode):
        "serialise(parse(x)) == x, read from bytes or str, LF or CRLF"
        text = ocr_giro.serialise(transmission, newline)
        data = text + newline if blank else text
        if encode:
            data = data.encode('iso-8859-1')
        self.assertEqual(
            ocr_giro.serialise(ocr_giro.parse(data), newline), text)

    @properties
    @given(transmissions.filter(lambda t: all(
                tr.kid and not tr.kid.endswith('-') and tr.card_issuer is None
                and (tr.text or 'x')[0] != ' '
                for a in t.assignments for tr in a.transactions)))
    def test_netsgiro_writes_the_same(self, transmission):
        "netsgiro writes the same file where it can write one"
        self.assertEqual(
            ocr_giro.serialise(transmission),
            to_netsgiro(transmission).to_ocr() + '\n')

    @properties
    @given(st.data())
    def test_corruption(self, data):
        "Any changed character is refused with an OCRGiroError, or read"
        text = ocr_giro.serialise(example())
        position = data.draw(st.integers(0, len(text) - 1), label='position')
        character = data.draw(st.sampled_from(
                '0123456789 -NY\r\nA\x00\u00e6\u20ac'), label='character')
        corrupt = text[:position] + character + text[position + 1:]
        try:
            transmission = ocr_giro.parse(corrupt)
        except OCRGiroError as error:
            self.assertRegex(str(error), r'^line \d+: ')
        else:
            # A final '\r' instead of '\n' still ends the last line.
            self.assertEqual(
                ocr_giro.serialise(transmission).rstrip('\n'),
                corrupt.rstrip('\r\n'))


class OCRGiroNamesTestCase(unittest.TestCase):
    "Test that the names follow netsgiro's"

    def test_transaction_types(self):
        "Every OCR giro transaction type has netsgiro's name and value"
        for type_ in TransactionType:
            with self.subTest(type=type_.name):
                self.assertEqual(
                    netsgiro.TransactionType[type_.name], type_.value)
