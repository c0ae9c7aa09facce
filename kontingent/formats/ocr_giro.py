# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""OCR giro (Nets transaction files to the payee).

Nets reports the payments made with a KID in a transmission of 80-character
records: a start record, one assignment per agreement account (a start
record, the transactions, an end record with counts and totals) and an end
record with the counts and totals of the whole transmission.  A transaction
is amount item 1 (type, dates, amount, KID), amount item 2 (form number,
archive reference, bank date, payer's account) and, for the terminal
transactions with free text (types 20 and 21), amount item 3.

parse() reads a file (bytes or str, ISO-8859-1, LF or CRLF) and checks every
field, the order of the records and every count, total and date of the end
records; serialise() writes the transmission back, byte for byte:

>>> import datetime
>>> from decimal import Decimal
>>> day = datetime.date(2026, 1, 5)
>>> transmission = Transmission(
...     number='0000042', data_transmitter=NETS_ID,
...     data_recipient='00010200', nets_date=day, assignments=[
...         Assignment(
...             number='0000001', agreement_id='001008566',
...             account='99991042764', nets_date=day, transactions=[
...                 Transaction(
...                     type=TransactionType.FROM_GIRO_DEBITED_ACCOUNT,
...                     number=1, nets_date=day, amount=Decimal('350.00'),
...                     kid='0000531'),
...                 Transaction(
...                     type=TransactionType.PURCHASE_WITH_TEXT,
...                     number=2, nets_date=day, amount=Decimal('99.50'),
...                     kid='23-', text='Kiosk'),
...                 ])])
>>> text = serialise(transmission)
>>> print(text.splitlines()[-1])
NY000089000000020000000900000000000044950050126000000000000000000000000000000000
>>> parse(text) == transmission
True
>>> [(t.kid, t.amount) for t in parse(text).assignments[0].transactions]
[('0000531', Decimal('350.00')), ('23-', Decimal('99.50'))]
>>> len(fingerprint(transmission))
64

Every problem raises a subclass of OCRGiroError naming the line:

>>> def check(data):
...     try:
...         parse(data)
...     except OCRGiroError as error:
...         print(f'{type(error).__name__}: {error}')
>>> lines = text.splitlines()
>>> check('\\n'.join(lines[:3] + lines[4:]))
InvalidSequence: line 4: expected amount item 2 for transaction 1, found \
amount item 1 for transaction 2
>>> check(text.replace('00044950', '00044951'))
InvalidTotals: line 8: the end of the assignment gives the total 449.51, \
the transactions add up to 449.50
>>> check(text.replace('NY090020', 'NY210020'))
UnsupportedService: line 2: service code 21 is AvtaleGiro; this reader reads \
OCR giro (service code 09) only

The KID is checked for its shape only, as the payee's agreement chooses
between MOD10 and MOD11 (see kid.validate); a final '-' is read:

>>> check(text.replace('0000531', '000053-'))
>>> check(text.replace('0000531', '00005-1'))
InvalidLine: line 3: amount item 1: positions 50-74 (KID) must be digits, \
possibly ending in '-', right-aligned, not '                  00005-1'

More information:

* OCR giro system manual (Nets, v2.0, 2003), "System specification for
  OCRGIRO", sections 2 to 4
"""
import dataclasses
import datetime
import enum
import functools
import hashlib
import re
from decimal import Decimal
from typing import NamedTuple

__all__ = [
    'NETS_ID', 'LINE_LENGTH', 'ENCODING', 'UNSIGNED', 'NEGATIVE',
    'TransactionType', 'REVERSALS', 'WITH_TEXT',
    'Transmission', 'Assignment', 'Transaction',
    'OCRGiroError', 'InvalidLine', 'InvalidSequence', 'InvalidTotals',
    'UnsupportedService', 'InvalidValue',
    'parse', 'serialise', 'fingerprint',
    ]

NETS_ID = '00008080'
LINE_LENGTH = 80
ENCODING = 'iso-8859-1'
UNSIGNED = '0'
NEGATIVE = '-'

# DDMMYY dates are read as Python's %y does: 69-99 are 1969-1999.
_FIRST_YEAR, _LAST_YEAR = 1969, 2068


class TransactionType(enum.IntEnum):
    "The transaction types of OCR giro, named as in netsgiro"

    FROM_GIRO_DEBITED_ACCOUNT = 10
    FROM_STANDING_ORDERS = 11
    FROM_DIRECT_REMITTANCE = 12
    FROM_BUSINESS_TERMINAL_GIRO = 13
    FROM_COUNTER_GIRO = 14
    FROM_AVTALEGIRO = 15
    FROM_TELEGIRO = 16
    FROM_CASH_GIRO = 17
    REVERSING_WITH_KID = 18
    PURCHASE_WITH_KID = 19
    REVERSING_WITH_TEXT = 20
    PURCHASE_WITH_TEXT = 21


REVERSALS = frozenset({
        TransactionType.REVERSING_WITH_KID,
        TransactionType.REVERSING_WITH_TEXT})
WITH_TEXT = frozenset({
        TransactionType.REVERSING_WITH_TEXT,
        TransactionType.PURCHASE_WITH_TEXT})


class OCRGiroError(ValueError):
    "The base of every error about an OCR giro file or transmission"

    def __init__(self, reason, line=None):
        super().__init__(reason, line)
        self.reason = reason
        self.line = line

    def __str__(self):
        if self.line is None:
            return self.reason
        return f"line {self.line}: {self.reason}"


class InvalidLine(OCRGiroError):
    "A line does not follow the layout of its record"


class InvalidSequence(OCRGiroError):
    "A record is missing, out of order or for another transaction"


class InvalidTotals(OCRGiroError):
    "An end record's count, total or date disagrees with its records"


class UnsupportedService(OCRGiroError):
    "A record of another Nets service than OCR giro, such as AvtaleGiro"


class InvalidValue(OCRGiroError):
    "serialise() was given a value that the file cannot carry"


@dataclasses.dataclass
class Transaction:
    """A payment, or a terminal purchase or reversal, reported by Nets

    The amount is in NOK and never negative: the sign ('-' when the payee's
    agreement lets Nets report credit notes, '0' otherwise) is a field of
    its own, and a reversal (types 18 and 20) has a positive amount too.
    The end records add up the amounts as written, whatever the sign and
    type: the manual sums "field 12 in amount item 1" and says that the
    amounts of reversals "are also added".
    kid, bank_date, debit_account and card_issuer are None when the file
    leaves them blank or zero.  filler holds positions 35-41 of amount item
    2: documented as zeros, but the manual's own example carries digits
    there.  text is the free text of amount item 3, for types 20 and 21
    only, without its trailing blanks."""

    type: TransactionType
    number: int
    nets_date: datetime.date
    amount: Decimal
    kid: str | None = None
    centre_id: str = '00'
    day_code: int = 0
    partial_settlement_number: int = 0
    partial_settlement_serial_number: int = 0
    sign: str = UNSIGNED
    card_issuer: str | None = None
    form_number: str = '0' * 10
    archive_reference: str = '0' * 9
    filler: str = '0' * 7
    bank_date: datetime.date | None = None
    debit_account: str | None = None
    text: str | None = None

    @property
    def is_reversal(self):
        return self.type in REVERSALS


@dataclasses.dataclass
class Assignment:
    "The transactions to one agreement account"

    number: str
    agreement_id: str
    account: str
    nets_date: datetime.date
    transactions: list[Transaction] = dataclasses.field(default_factory=list)

    @property
    def total_amount(self):
        "The sum of the amounts, reversals added as the end record does"
        return sum(
            (t.amount for t in self.transactions), Decimal('0.00'))


@dataclasses.dataclass
class Transmission:
    """An OCR giro file

    Nets numbers the transmissions to each data recipient, so number and
    data_recipient tell a file received twice."""

    number: str
    data_transmitter: str
    data_recipient: str
    nets_date: datetime.date
    assignments: list[Assignment] = dataclasses.field(default_factory=list)

    @property
    def total_amount(self):
        return sum(
            (a.total_amount for a in self.assignments), Decimal('0.00'))


@dataclasses.dataclass(frozen=True)
class _Field:
    "Positions start-end (1-based, as in the manual) of a record"

    start: int
    end: int
    label: str
    pattern: re.Pattern
    expected: str
    # The key of the value, or None for a constant written as fill.
    key: str | None = None
    kind: str = 'digits'
    fill: str | None = None
    optional: bool = False
    # Worked out once, being read for every line
    width: int = dataclasses.field(init=False)
    # The content that stands for None
    blank: str = dataclasses.field(init=False)

    def __post_init__(self):
        width = self.end - self.start + 1
        object.__setattr__(self, 'width', width)
        object.__setattr__(self, 'blank',
            (' ' if self.kind in {'kid', 'text'} else '0') * width)


def _constant(start, end, label, value):
    return _Field(
        start, end, label, re.compile(re.escape(value)), repr(value),
        fill=value)


def _zeros(start, end):
    return _constant(start, end, "filler", '0' * (end - start + 1))


def _value(
        start, end, key, label, kind='digits', optional=False,
        pattern=None, expected='digits'):
    if pattern is None:
        pattern = f'[0-9]{{{end - start + 1}}}'
    return _Field(
        start, end, label, re.compile(pattern), expected, key=key,
        kind=kind, optional=optional)


def _date(start, end, key, label, optional=False):
    return _value(
        start, end, key, label, kind='date', optional=optional,
        expected="a date DDMMYY")


class _Layout(NamedTuple):
    name: str
    fields: tuple


def _layout(name, service_code, type_field, record_type, *fields):
    return _Layout(name, (
            _constant(1, 2, "format code", 'NY'),
            _constant(3, 4, "service code", service_code),
            type_field,
            _constant(7, 8, "record type", record_type),
            ) + fields)


OCR_GIRO = '09'
AVTALEGIRO = '21'
_NONE = '00'
_TRANSACTION_TYPE = _value(
    5, 6, 'type', "transaction type", kind='type',
    pattern='1[0-9]|2[01]', expected="a transaction type from 10 to 21")
_TRANSACTION_NUMBER = _value(
    9, 15, 'number', "transaction number", kind='number')

TRANSMISSION_START = _layout(
    "the start of the transmission", _NONE,
    _constant(5, 6, "transmission type", '00'), '10',
    _value(9, 16, 'data_transmitter', "data transmitter"),
    _value(17, 23, 'number', "transmission number"),
    _value(24, 31, 'data_recipient', "data recipient"),
    _zeros(32, 80))
ASSIGNMENT_START = _layout(
    "the start of an assignment", OCR_GIRO,
    _constant(5, 6, "assignment type", '00'), '20',
    _value(9, 17, 'agreement_id', "agreement ID"),
    _value(18, 24, 'number', "assignment number"),
    _value(25, 35, 'account', "assignment account"),
    _zeros(36, 80))
AMOUNT_ITEM_1 = _layout(
    "amount item 1", OCR_GIRO, _TRANSACTION_TYPE, '30',
    _TRANSACTION_NUMBER,
    _date(16, 21, 'nets_date', "Nets date"),
    _value(22, 23, 'centre_id', "centre ID"),
    _value(24, 25, 'day_code', "day code", kind='number'),
    _value(
        26, 26, 'partial_settlement_number', "partial settlement number",
        kind='number'),
    _value(
        27, 31, 'partial_settlement_serial_number', "serial number",
        kind='number'),
    _value(
        32, 32, 'sign', "sign", kind='code', pattern='[0-]',
        expected="'0' or '-'"),
    _value(33, 49, 'amount', "amount", kind='amount'),
    _value(
        50, 74, 'kid', "KID", kind='kid', optional=True,
        pattern=' *[0-9]+[0-9-]| +',
        expected="digits, possibly ending in '-', right-aligned"),
    _value(75, 76, 'card_issuer', "card issuer", optional=True),
    _zeros(77, 80))
AMOUNT_ITEM_2 = _layout(
    "amount item 2", OCR_GIRO, _TRANSACTION_TYPE, '31',
    _TRANSACTION_NUMBER,
    _value(16, 25, 'form_number', "form number"),
    _value(26, 34, 'archive_reference', "agreement ID/archive reference"),
    _value(35, 41, 'filler', "filler"),
    _date(42, 47, 'bank_date', "bank date", optional=True),
    _value(48, 58, 'debit_account', "debit account", optional=True),
    _zeros(59, 80))
AMOUNT_ITEM_3 = _layout(
    "amount item 3", OCR_GIRO, _TRANSACTION_TYPE, '32',
    _TRANSACTION_NUMBER,
    # Control characters are refused; 0x80-0x9f are kept as they come,
    # being what Windows-1252 text (as '\u2026') becomes in ISO-8859-1.
    _value(
        16, 55, 'text', "free text", kind='text',
        pattern='[\x20-\x7e\x80-\xff]*',
        expected="ISO-8859-1 text without control characters"),
    _zeros(56, 80))
ASSIGNMENT_END = _layout(
    "the end of the assignment", OCR_GIRO,
    _constant(5, 6, "assignment type", '00'), '88',
    _value(
        9, 16, 'transaction_count', "number of transactions",
        kind='number'),
    _value(17, 24, 'record_count', "number of records", kind='number'),
    _value(25, 41, 'total_amount', "total amount", kind='amount'),
    _date(42, 47, 'nets_date', "Nets date"),
    _date(48, 53, 'earliest_date', "earliest Nets date", optional=True),
    _date(54, 59, 'latest_date', "latest Nets date", optional=True),
    _zeros(60, 80))
TRANSMISSION_END = _layout(
    "the end of the transmission", _NONE,
    _constant(5, 6, "transmission type", '00'), '89',
    _value(
        9, 16, 'transaction_count', "number of transactions",
        kind='number'),
    _value(17, 24, 'record_count', "number of records", kind='number'),
    _value(25, 41, 'total_amount', "total amount", kind='amount'),
    _date(42, 47, 'nets_date', "Nets date"),
    _zeros(48, 80))
LAYOUTS = {
    layout.fields[3].fill: layout for layout in [
        TRANSMISSION_START, ASSIGNMENT_START, AMOUNT_ITEM_1, AMOUNT_ITEM_2,
        AMOUNT_ITEM_3, ASSIGNMENT_END, TRANSMISSION_END]}


# A file has few dates, each on many lines
@functools.lru_cache(maxsize=1024)
def _read_date(content):
    return datetime.datetime.strptime(content, '%d%m%y').date()


@functools.lru_cache(maxsize=1024)
def _write_date(value):
    return value.strftime('%d%m%y')


# The value of a field's content by kind; each raises ValueError
_CONVERTERS = {
    'digits': str,
    'code': str,
    'number': int,
    'type': lambda content: TransactionType(int(content)),
    'date': _read_date,
    'amount': lambda content: Decimal(int(content)).scaleb(-2),
    'kid': lambda content: content.lstrip(' '),
    'text': lambda content: content.rstrip(' '),
    }


def _read_value(field, content):
    "Return the value of the content of field, or raise ValueError"
    if field.optional and content == field.blank:
        return None
    return _CONVERTERS[field.kind](content)


# How each layout's fields are read, worked out once: a file has 20,000
# lines for 10,000 payments
_READ_STEPS = {
    layout.name: [(
            field.start - 1, field.end, field.pattern.fullmatch, field.key,
            field.blank if field.optional else None,
            _CONVERTERS[field.kind], field)
        for field in layout.fields]
    for layout in LAYOUTS.values()}


class _Record(NamedTuple):
    layout: _Layout
    line: int
    values: dict

    @property
    def description(self):
        if 'type' in self.values:
            return f"{self.layout.name} for transaction {self.number}"
        return self.layout.name

    @property
    def number(self):
        return self.values['number']


def _read_record(line, content):
    if len(content) != LINE_LENGTH:
        raise InvalidLine(
            f"the line has {len(content)} characters, "
            f"not {LINE_LENGTH}", line)
    if not content.startswith('NY'):
        raise InvalidLine(
            f"the line starts with {content[:2]!r}, not the format code "
            "'NY'", line)
    if content[2:4] == AVTALEGIRO:
        raise UnsupportedService(
            f"service code {AVTALEGIRO} is AvtaleGiro; this reader reads "
            f"OCR giro (service code {OCR_GIRO}) only", line)
    layout = LAYOUTS.get(content[6:8])
    if layout is None:
        raise InvalidLine(
            f"record type {content[6:8]!r} is not one of OCR giro "
            f"({', '.join(LAYOUTS)})", line)
    values = {}
    for start, end, fullmatch, key, blank, convert, field in _READ_STEPS[
            layout.name]:
        part = content[start:end]
        try:
            if not fullmatch(part):
                raise ValueError
            if key:
                values[key] = None if part == blank else convert(part)
        except ValueError:
            raise InvalidLine(
                f"{layout.name}: positions {field.start}-{field.end} "
                f"({field.label}) must be {field.expected}, not {part!r}",
                line) from None
    return _Record(layout, line, values)


class _Reader:
    "The records of a file, read one line ahead"

    def __init__(self, data):
        if isinstance(data, (bytes, bytearray)):
            data = bytes(data).decode(ENCODING)
        elif not isinstance(data, str):
            raise TypeError(f"Expected bytes or str, not {type(data)!r}")
        lines = [
            line[:-1] if line.endswith('\r') else line
            for line in data.split('\n')]
        while lines and not lines[-1].strip():
            lines.pop()
        self._lines = lines
        self._index = 0
        self._next = None

    def peek(self):
        "Return the next record, or None at the end of the file"
        if self._next is None and self._index < len(self._lines):
            self._next = _read_record(
                self._index + 1, self._lines[self._index])
        return self._next

    def take(self, layout, expected):
        record = self.peek()
        if record is None or record.layout is not layout:
            found = record.description if record else "the end of the file"
            raise InvalidSequence(
                f"expected {expected}, found {found}",
                record.line if record else len(self._lines) + 1)
        self._next = None
        self._index += 1
        return record

    def next_is(self, layout):
        record = self.peek()
        return record is not None and record.layout is layout


def parse(data):
    """Return the Transmission of an OCR giro file

    data is the content of the file as bytes (ISO-8859-1) or str, with LF or
    CRLF line ends; blank lines at the end are ignored."""
    reader = _Reader(data)
    if reader.peek() is None:
        raise InvalidSequence("the file is empty")
    start = reader.take(TRANSMISSION_START, TRANSMISSION_START.name)
    assignments, record_count = [], 2
    while reader.next_is(ASSIGNMENT_START):
        assignment, records = _read_assignment(reader)
        assignments.append(assignment)
        record_count += records
    end = reader.take(
        TRANSMISSION_END,
        f"the start of an assignment or {TRANSMISSION_END.name}")
    transmission = Transmission(
        nets_date=end.values['nets_date'], assignments=assignments,
        **start.values)
    _check_end(end, "the transmission", {
            'transaction_count': sum(
                len(a.transactions) for a in assignments),
            'record_count': record_count,
            'total_amount': transmission.total_amount,
            })
    extra = reader.peek()
    if extra is not None:
        raise InvalidSequence(
            f"{extra.description} after {TRANSMISSION_END.name}",
            extra.line)
    return transmission


def _read_assignment(reader):
    "Return the next assignment and its number of records"
    start = reader.take(ASSIGNMENT_START, ASSIGNMENT_START.name)
    transactions, record_count = [], 2
    while reader.next_is(AMOUNT_ITEM_1):
        item_1 = reader.take(AMOUNT_ITEM_1, AMOUNT_ITEM_1.name)
        if transactions and item_1.number <= transactions[-1].number:
            raise InvalidSequence(
                f"transaction {item_1.number} follows transaction "
                f"{transactions[-1].number}; the numbers must ascend",
                item_1.line)
        items = [item_1, _take_item(reader, AMOUNT_ITEM_2, item_1)]
        if item_1.values['type'] in WITH_TEXT:
            items.append(_take_item(reader, AMOUNT_ITEM_3, item_1))
        elif reader.next_is(AMOUNT_ITEM_3):
            raise InvalidSequence(
                f"{reader.peek().description} follows a transaction of type "
                f"{item_1.values['type']:d}; only types 20 and 21 have one",
                reader.peek().line)
        values = {}
        for item in items:
            values.update(item.values)
        transactions.append(Transaction(**values))
        record_count += len(items)
    end = reader.take(
        ASSIGNMENT_END, f"amount item 1 or {ASSIGNMENT_END.name}")
    assignment = Assignment(
        nets_date=end.values['nets_date'], transactions=transactions,
        **start.values)
    dates = [t.nets_date for t in transactions]
    _check_end(end, "the assignment", {
            'transaction_count': len(transactions),
            'record_count': record_count,
            'total_amount': assignment.total_amount,
            'earliest_date': min(dates, default=None),
            'latest_date': max(dates, default=None),
            })
    return assignment, record_count


def _take_item(reader, layout, item_1):
    "Take the amount item 2 or 3 that belongs to item_1"
    number = item_1.number
    if reader.next_is(layout):
        item = reader.peek()
        if item.number != number:
            raise InvalidSequence(
                f"{item.description} follows transaction {number}",
                item.line)
        if item.values['type'] != item_1.values['type']:
            raise InvalidSequence(
                f"{item.description} has type {item.values['type']:d}, "
                f"amount item 1 type {item_1.values['type']:d}", item.line)
    return reader.take(layout, f"{layout.name} for transaction {number}")


def _show(value):
    if value is None:
        return "none"
    return str(value)


# What an end record states, and what its records hold, for each key.
_END_CHECKS = {
    'transaction_count': ("{} transactions", "{scope} has {}"),
    'record_count': ("{} records", "{scope} has {}"),
    'total_amount': ("the total {}", "the transactions add up to {}"),
    'earliest_date': (
        "the earliest Nets date {}", "the earliest transaction is of {}"),
    'latest_date': (
        "the latest Nets date {}", "the latest transaction is of {}"),
    }


def _check_end(end, scope, actual):
    "Check the counts, total and dates of end against the actual ones"
    for key, value in actual.items():
        if end.values[key] != value:
            stated, held = _END_CHECKS[key]
            raise InvalidTotals(
                f"{end.layout.name} gives "
                + stated.format(_show(end.values[key])) + ", "
                + held.format(_show(value), scope=scope), end.line)


def _write_value(field, value, where):
    "Return the content of field for value, or raise InvalidValue"
    if value is None:
        if field.optional:
            return field.blank
        raise InvalidValue(f"{where}: the {field.label} is missing")
    match field.kind:
        case 'number' | 'type':
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidValue(
                    f"{where}: the {field.label} {value!r} is not an int")
            return f'{value:d}'.zfill(field.width)
        case 'date':
            if (type(value) is not datetime.date
                    or not _FIRST_YEAR <= value.year <= _LAST_YEAR):
                raise InvalidValue(
                    f"{where}: the {field.label} {value!r} is not a date "
                    f"from {_FIRST_YEAR} to {_LAST_YEAR}")
            return _write_date(value)
        case 'amount':
            if not isinstance(value, (Decimal, int)) or isinstance(
                    value, bool) or not Decimal(value).is_finite():
                raise InvalidValue(
                    f"{where}: the {field.label} {value!r} is not a Decimal")
            ore = Decimal(value).scaleb(2)
            if ore < 0 or ore != ore.to_integral_value():
                raise InvalidValue(
                    f"{where}: the {field.label} {value} is not a whole "
                    "number of øre from 0 up")
            return f'{int(ore):d}'.zfill(field.width)
    if not isinstance(value, str):
        raise InvalidValue(
            f"{where}: the {field.label} {value!r} is not a str")
    if field.kind == 'kid':
        return value.rjust(field.width)
    return value.ljust(field.width)


def _write_record(layout, values, where):
    "Return the line of layout holding values"
    parts = []
    for field in layout.fields:
        if field.key is None:
            parts.append(field.fill)
            continue
        value = values[field.key]
        content = _write_value(field, value, where)
        if (len(content) != field.width
                or not field.pattern.fullmatch(content)):
            raise InvalidValue(
                f"{where}: the {field.label} {value!r} does not fit "
                f"positions {field.start}-{field.end} of {layout.name}: "
                f"{field.expected}")
        read = _read_value(field, content)
        if read != value:
            raise InvalidValue(
                f"{where}: the {field.label} {value!r} would be read back "
                f"as {read!r}")
        parts.append(content)
    return ''.join(parts)


def _transaction_records(transaction, where):
    values = vars(transaction)
    records = [
        _write_record(AMOUNT_ITEM_1, values, where),
        _write_record(AMOUNT_ITEM_2, values, where),
        ]
    if transaction.type in WITH_TEXT:
        records.append(_write_record(AMOUNT_ITEM_3, values, where))
    elif transaction.text is not None:
        raise InvalidValue(
            f"{where}: only transactions of type 20 and 21 have a text")
    return records


def _assignment_records(assignment):
    where = f"assignment {assignment.number}"
    records = [_write_record(ASSIGNMENT_START, vars(assignment), where)]
    previous = None
    for transaction in assignment.transactions:
        number = transaction.number
        if previous is not None and not number > previous:
            raise InvalidValue(
                f"{where}: transaction {number} follows transaction "
                f"{previous}; the numbers must ascend")
        records.extend(
            _transaction_records(
                transaction, f"{where}, transaction {number}"))
        previous = number
    dates = [t.nets_date for t in assignment.transactions]
    records.append(_write_record(ASSIGNMENT_END, {
                'transaction_count': len(assignment.transactions),
                'record_count': len(records) + 1,
                'total_amount': assignment.total_amount,
                'nets_date': assignment.nets_date,
                'earliest_date': min(dates, default=None),
                'latest_date': max(dates, default=None),
                }, where))
    return records


def serialise(transmission, newline='\n'):
    """Return the OCR giro file of transmission, each line ended by newline

    The counts, totals and dates of the end records are computed.  A value
    the file cannot carry, or would read back otherwise, raises
    InvalidValue; so parse(serialise(transmission)) == transmission."""
    where = "the transmission"
    records = [
        _write_record(TRANSMISSION_START, vars(transmission), where)]
    transaction_count = 0
    for assignment in transmission.assignments:
        records.extend(_assignment_records(assignment))
        transaction_count += len(assignment.transactions)
    records.append(_write_record(TRANSMISSION_END, {
                'transaction_count': transaction_count,
                'record_count': len(records) + 1,
                'total_amount': transmission.total_amount,
                'nets_date': transmission.nets_date,
                }, where))
    return ''.join(record + newline for record in records)


def fingerprint(transmission):
    """Return the SHA-256 (hex) of the transmission's normalised file

    The same file received with other line ends or a final blank line has
    the same fingerprint."""
    return hashlib.sha256(
        serialise(transmission).encode(ENCODING)).hexdigest()
