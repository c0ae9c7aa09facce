# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Posting the claims of a billing run in bulk.

Tryton posts an invoice by saving it, its lines, its move and move lines
through the ORM, each record validated field by field: about ten claims a
second on two cores.  A billing run makes thousands of claims of one
shape, from records it has checked line by line while calculating: in the
company currency, without taxes, with one receivable line due on the run's
due date.  For those the rows Tryton would write are inserted with one
statement per table, with the same values (tests/test_posting.py compares
them row by row), and the checks of posting are made once per batch: open
period and journal, usable accounts, balanced moves, numbers from the
locked strict sequences.  Any other claim takes Tryton's own path.

Saving and posting are two steps: the claims are saved in draft, with
their moves, by as many transactions at once as there are workers; only
numbering them takes one transaction at a time, as the gapless sequences
of invoices and moves allow no other way, and it is a few updates.
"""
from collections import defaultdict
from decimal import Decimal

from sql import Cast, Literal, Select
from sql.aggregate import Sum
from sql.conditionals import Case
from sql.functions import Abs, CurrentTimestamp, Function, Round

from trytond import backend
from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.account.exceptions import PostError
from trytond.modules.account_invoice.exceptions import InvoiceNumberError
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

POSTED_MODELS = [
    'account.invoice', 'account.invoice.line',
    'account.move', 'account.move.line']
BOOKKEEPING_COLUMNS = {
    'id', 'create_uid', 'create_date', 'write_uid', 'write_date'}


def save_claims(invoices):
    """Save the draft customer invoices built in memory, those of the
    billing shape in bulk with their moves in draft; return their ids in
    the same order"""
    pool = Pool()
    Invoice = pool.get('account.invoice')
    # Triggers set up by staff run on records created through the ORM
    if triggered('create'):
        in_bulk = []
    else:
        in_bulk = [i for i in invoices if postable_in_bulk(i)]
    bulk_ids = dict(zip(map(id, in_bulk), insert_drafts(in_bulk)))
    others = [i for i in invoices if id(i) not in bulk_ids]
    Invoice.save(others)
    return [bulk_ids.get(id(i)) or i.id for i in invoices]


def post_claims(invoices):
    """Number and post the draft claims saved by save_claims: those saved
    in bulk in bulk, the others the Tryton way"""
    Invoice = Pool().get('account.invoice')
    # Triggers on posting run on records written through the ORM
    if triggered('write'):
        in_bulk = []
    else:
        in_bulk = [i for i in invoices if i.move]
    post_drafts(in_bulk)
    bulk_ids = {i.id for i in in_bulk}
    others = [i for i in invoices if i.id not in bulk_ids]
    if others:
        Invoice._post(others)


def triggered(mode):
    "Whether staff set up triggers on mode of the records posting makes"
    Trigger = Pool().get('ir.trigger')
    return any(Trigger.get_triggers(name, mode) for name in POSTED_MODELS)


def postable_in_bulk(invoice):
    company = invoice.company
    return (invoice.type == 'out'
        and invoice.state == 'draft'
        and not invoice.number
        and not invoice.payment_term
        and invoice.currency == company.currency
        and invoice.account.party_required
        and invoice.lines
        and all(line.type == 'line'
            and not line.taxes
            and line.on_change_with_amount() > 0
            for line in invoice.lines))


def insert_drafts(invoices):
    """Insert the invoices in draft with their lines and their moves in
    draft, as posting them leaves them but for the numbers; return the
    ids"""
    pool = Pool()
    Invoice = pool.get('account.invoice')
    InvoiceLine = pool.get('account.invoice.line')
    if not invoices:
        return []
    company, = {i.company for i in invoices}
    today = company_today(company)
    Invoice.set_kontingent_kid(invoices)
    employee = posting_employee(company)
    tax_identifiers = {}
    invoice_rows, amounts = [], []
    for invoice in invoices:
        amount = sum(
            (l.on_change_with_amount() for l in invoice.lines), Decimal(0))
        amount = company.currency.round(amount)
        amounts.append(amount)
        country = (invoice.invoice_address.country
            if invoice.invoice_address else None)
        if country not in tax_identifiers:
            tax_identifiers[country] = invoice.get_tax_identifier()
        invoice_rows.append({
                'sequence_type_cache': 'invoice',
                'tax_identifier': tax_identifiers[country],
                'party_tax_identifier': invoice.party.tax_identifier,
                'untaxed_amount_cache': amount,
                'tax_amount_cache': Decimal(0),
                'total_amount_cache': amount,
                'posted_by': employee,
                })
    invoice_ids = insert(Invoice, invoices, invoice_rows)
    line_ids = insert(InvoiceLine,
        [l for i in invoices for l in i.lines],
        [{'invoice': invoice_id}
            for invoice, invoice_id in zip(invoices, invoice_ids)
            for _ in invoice.lines])
    move_ids = insert_moves(
        company, invoices, invoice_ids, line_ids, amounts, today)
    update_rows(Invoice, 'move', dict(zip(invoice_ids, move_ids)))
    return invoice_ids


def post_drafts(invoices):
    """Number and post the draft invoices inserted by insert_drafts with
    their moves, as Invoice.post does"""
    pool = Pool()
    Invoice = pool.get('account.invoice')
    Move = pool.get('account.move')
    MoveLine = pool.get('account.move.line')
    PaymentMeanRule = pool.get('account.invoice.payment.mean.rule')
    if not invoices:
        return
    company, = {i.company for i in invoices}
    today = company_today(company)
    number_invoices(invoices, today)
    update_values(Invoice, {
            i.id: {'number': i.number, 'sequence': i.sequence}
            | i.compute_fields({'number'})
            for i in invoices}, state='posted')
    moves = [i.move for i in invoices]
    for period, journal in {(m.period, m.journal) for m in moves}:
        MoveLine.check_journal_period_modify(period, journal)
    by_sequence = defaultdict(list)
    for move in moves:
        by_sequence[move.period.move_sequence_used].append(move)
    numbers = {}
    for sequence, numbered in by_sequence.items():
        numbers.update((m.id, {'number': n}) for m, n in zip(
                numbered, sequence.get_many(len(numbered))))
    update_values(Move, numbers, post_date=today, state='posted')
    posted = Invoice.browse([i.id for i in invoices])
    if PaymentMeanRule.search([], limit=1):
        Invoice.set_payment_means(posted)
    Invoice.__queue__.print_invoice(posted)


def company_today(company):
    "The date posting records: today where the company is"
    Date = Pool().get('ir.date')
    with Transaction().set_context(company=company.id):
        return Date.today()


def number_invoices(invoices, today):
    """Number the invoices as Invoice.set_number does: payment requests by
    their KID, the others from the sequences the run has locked"""
    pool = Pool()
    Invoice = pool.get('account.invoice')
    Lang = pool.get('ir.lang')
    to_number = defaultdict(list)
    sequences = {}
    for invoice in sorted(invoices, key=lambda i: i.invoice_date):
        # Billing claims have positive lines only
        invoice.sequence_type_cache = 'invoice'
        if invoice.get_kontingent_payment_request(None):
            invoice.number = invoice.kontingent_kid
            continue
        key = (invoice.kontingent_unit, invoice.invoice_date,
            invoice.accounting_date)
        if key not in sequences:
            sequences[key] = invoice._number_sequence()
        to_number[sequences[key]].append(invoice)
    checked = set()
    for (sequence, date), numbered in to_number.items():
        if sequence not in checked:
            first = numbered[0]
            later = Invoice.search([
                    ('sequence', '=', sequence.id),
                    ('invoice_date', '>', first.invoice_date),
                    ], limit=1, order=[('invoice_date', 'DESC')])
            if later:
                raise InvoiceNumberError(gettext(
                        'account_invoice.msg_invoice_number_after',
                        invoice=first.rec_name, sequence=sequence.rec_name,
                        date=Lang.get().strftime(first.invoice_date),
                        after_invoice=later[0].rec_name))
            checked.add(sequence)
        with Transaction().set_context(
                date=date, company=numbered[0].company.id):
            for invoice, number in zip(
                    numbered, sequence.get_many(len(numbered))):
                invoice.sequence = sequence
                invoice.number = number


def posting_employee(company):
    "The employee Tryton records as having posted, as set_employee does"
    User = Pool().get('res.user')
    employee = User(Transaction().user).employee
    if employee and employee.company == company:
        return employee


def insert_moves(company, invoices, invoice_ids, line_ids, amounts, today):
    """Insert the moves of the invoices in draft: a credit per invoice line
    and the receivable; return their ids"""
    pool = Pool()
    Move = pool.get('account.move')
    MoveLine = pool.get('account.move.line')
    Period = pool.get('account.period')
    periods = {}
    for invoice in invoices:
        date = invoice.accounting_date or invoice.invoice_date
        if date not in periods:
            periods[date] = Period.find(company, date=date)
    check_posting_allowed(company, invoices, periods)
    move_rows = []
    for invoice, invoice_id in zip(invoices, invoice_ids):
        date = invoice.accounting_date or invoice.invoice_date
        move_rows.append({
                'company': company, 'journal': invoice.journal,
                'period': periods[date], 'date': date,
                'origin': f'account.invoice,{invoice_id}',
                'description': invoice.description,
                })
    move_ids = insert_rows(Move, move_rows)
    line_rows = []
    line_id = iter(line_ids)
    for invoice, move_id, amount in zip(invoices, move_ids, amounts):
        for line in invoice.lines:
            line_rows.append({
                    'move': move_id, 'account': line.account,
                    'party': (invoice.party
                        if line.account.party_required else None),
                    'debit': Decimal(0),
                    'credit': line.on_change_with_amount(),
                    'origin': f'account.invoice.line,{next(line_id)}',
                    'state': 'valid',
                    })
        line_rows.append({
                'move': move_id, 'account': invoice.account,
                'party': invoice.party,
                'debit': amount, 'credit': Decimal(0),
                'maturity_date': invoice.payment_term_date or today,
                'description': invoice.description,
                'state': 'valid',
                })
    insert_rows(MoveLine, line_rows)
    check_balanced(company, move_ids)
    return move_ids


def post_moves(company, moves, today):
    """Insert the moves of company, rows of values each with the rows of
    its lines under 'lines', posted on today as Move.post would; return
    their ids"""
    pool = Pool()
    Account = pool.get('account.account')
    Move = pool.get('account.move')
    MoveLine = pool.get('account.move.line')
    for period, journal in {(m['period'], m['journal']) for m in moves}:
        MoveLine.check_journal_period_modify(period, journal)
    for account in Account.browse(
            {int(l['account']) for m in moves for l in m['lines']}):
        if not account.type or account.closed or account.company != company:
            raise PostError(gettext(
                    'kontingent.msg_billing_account_not_usable',
                    account=account.rec_name))
    by_period = defaultdict(list)
    for index, move in enumerate(moves):
        by_period[move['period']].append(index)
    by_sequence = defaultdict(list)
    for period, indexes in by_period.items():
        by_sequence[period.move_sequence_used].extend(indexes)
    numbers = {}
    for sequence, indexes in by_sequence.items():
        numbers.update(
            zip(sorted(indexes), sequence.get_many(len(indexes))))
    move_ids = insert_rows(Move, [
            {n: v for n, v in move.items() if n != 'lines'} | {
                'number': numbers[index], 'post_date': today,
                'state': 'posted',
                } for index, move in enumerate(moves)])
    insert_rows(MoveLine, [line | {'move': move_id, 'state': 'valid'}
            for move, move_id in zip(moves, move_ids)
            for line in move['lines']])
    check_balanced(company, move_ids)
    return move_ids


def check_posting_allowed(company, invoices, periods):
    """What validating each move line would check: open journal periods,
    accounts of the company with a type and not closed"""
    pool = Pool()
    MoveLine = pool.get('account.move.line')
    journals = {i.journal for i in invoices}
    for period in set(periods.values()):
        for journal in journals:
            MoveLine.check_journal_period_modify(period, journal)
    accounts = {i.account for i in invoices} | {
        l.account for i in invoices for l in i.lines}
    for account in accounts:
        if not account.type or account.closed or account.company != company:
            raise PostError(gettext(
                    'kontingent.msg_billing_account_not_usable',
                    account=account.rec_name))


def check_balanced(company, move_ids):
    "The check of Move.post, for all the moves at once"
    pool = Pool()
    Move = pool.get('account.move')
    MoveLine = pool.get('account.move.line')
    line = MoveLine.__table__()
    cursor = Transaction().connection.cursor()
    currency = company.currency
    for sub_ids in grouped_slice(move_ids, 1000):
        cursor.execute(*line.select(line.move,
                where=fields.SQL_OPERATORS['in'](line.move, list(sub_ids)),
                group_by=line.move,
                having=Abs(Round(Sum(line.debit - line.credit),
                        currency.digits)) >= abs(currency.rounding),
                limit=1))
        unbalanced = cursor.fetchone()
        if unbalanced:
            raise PostError(gettext('account.msg_post_unbalanced_move',
                    move=Move(unbalanced[0]).rec_name))


def insert(Model, records, extra_values):
    """Insert the records built in memory, each with its extra values;
    return their ids"""
    rows = []
    for record, extra in zip(records, extra_values):
        values = {
            name: value for name, value in record._values._items()
            if is_stored(Model._fields[name])}
        values.update(extra)
        rows.append(values)
    return insert_rows(Model, rows)


def update_rows(Model, name, values, **constants):
    """Set field name of each record id to values[id], and the constant
    values, with one statement for all, as a later write leaves them"""
    update_values(
        Model, {i: {name: v} for i, v in values.items()}, **constants)


def update_values(Model, values, **constants):
    """Set the fields of each record id to the values[id] of them, and the
    constant values, with one statement for all, as a later write leaves
    them; every record's values name the same fields"""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    table = Model.__table__()
    if not values:
        return
    names = sorted(next(iter(values.values())))
    formats = [Model._fields[n].sql_format for n in names]
    # PostgreSQL types a CASE of NULLs only as text
    sql_types = [
        transaction.database.sql_type(Model._fields[n]._sql_type).base
        if backend.name == 'postgresql' else None
        for n in names]
    columns = [getattr(table, n) for n in names + list(constants)] + [
        table.write_uid, table.write_date]
    fixed = [Model._fields[n].sql_format(v) for n, v in constants.items()]
    for sub_ids in grouped_slice(sorted(values), 500):
        sub_ids = list(sub_ids)
        cases = [Case(*(
                    (table.id == i, sql_format(values[i][n]))
                    for i in sub_ids))
            for n, sql_format in zip(names, formats)]
        cases = [Cast(c, t) if t else c for c, t in zip(cases, sql_types)]
        cursor.execute(*table.update(columns,
                cases + fixed + [transaction.user, CurrentTimestamp()],
                where=fields.SQL_OPERATORS['in'](table.id, sub_ids)))
    forget(Model, values)


def forget(Model, ids):
    "Drop the records written in SQL from the caches of the transaction"
    transaction = Transaction()
    transaction.counter += 1
    for cache in transaction.cache.values():
        if Model.__name__ in cache:
            for id_ in ids:
                cache[Model.__name__].pop(id_, None)


def is_stored(field):
    return not (hasattr(field, 'set') or getattr(field, 'getter', None)
        or isinstance(field, (fields.One2Many, fields.Many2Many)))


class Unnest(Function):
    __slots__ = ()
    _function = 'UNNEST'


def insert_rows(Model, rows, written=False):
    """Insert rows of values completed with the model's defaults, as
    ModelSQL.create would, and as a later write leaves them if written;
    return their ids"""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    database = transaction.database
    table = Model.__table__()
    if not rows:
        return []
    given = set().union(*rows)
    in_every_row = set(rows[0]).intersection(*rows)
    stored = {name for name, field in Model._fields.items()
        if name not in BOOKKEEPING_COLUMNS and is_stored(field)}
    defaults = Model._clean_defaults(Model.default_get(
            sorted(stored - in_every_row), with_rec_name=False))
    # The columns no row gives take their default: formatted once and sent
    # once rather than in an array
    varying = sorted(given)
    fixed = sorted(set(defaults) - given)
    columns = [getattr(table, n) for n in varying + fixed] + [
        table.create_uid, table.create_date]
    types = [Model._fields[n]._sql_type for n in varying + fixed] + [
        'INTEGER', 'TIMESTAMP']
    bookkeeping = [transaction.user, CurrentTimestamp()]
    if backend.name == 'postgresql':
        # The time of the transaction, as CURRENT_TIMESTAMP is, sent with
        # the other values
        cursor.execute(*Select([Cast(CurrentTimestamp(), 'TIMESTAMP')]))
        bookkeeping[1], = cursor.fetchone()
    if written:
        columns += [table.write_uid, table.write_date]
        types += types[-2:]
        bookkeeping *= 2
    formats = [(n, Model._fields[n].sql_format, defaults.get(n))
        for n in varying]
    constants = [Model._fields[n].sql_format(defaults.get(n))
        for n in fixed] + bookkeeping
    values = [
        [sql_format(row.get(n, default)) for n, sql_format, default in formats]
        for row in rows]
    ids = []
    if backend.name == 'postgresql':
        sql_types = [database.sql_type(t).base for t in types]
        for sub_values in grouped_slice(values, 1000):
            sub_values = list(sub_values)
            sub_ids = database.nextid(
                transaction.connection, Model._table, count=len(sub_values))
            if len(sub_values) == 1:
                sub_ids = [sub_ids]
            # An array a column: a thousand rows of values as parameters
            # take PostgreSQL longer to parse than to insert
            select = [
                Unnest(Cast(Literal(list(column)), sql_type + '[]'))
                for column, sql_type in zip(zip(*sub_values), sql_types)]
            select += [Cast(Literal(value), sql_type)
                for value, sql_type in zip(
                    constants, sql_types[len(varying):])]
            select.append(Unnest(Cast(Literal(sub_ids), 'INTEGER[]')))
            cursor.execute(*table.insert(
                    columns + [table.id], Select(select)))
            ids.extend(sub_ids)
    else:
        for row_values in values:
            cursor.execute(*table.insert(columns, [row_values + constants]))
            ids.append(database.lastid(cursor))
    # As ModelSQL.create: the transaction may lock what it created
    transaction.create_records[Model.__name__].extend(ids)
    return ids
