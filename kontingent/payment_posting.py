# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Posting the payments of an OCR Giro file in bulk.

Tryton posts a statement line by saving it through the ORM, creating its
move and move lines, asking the invoice which lines the payment reconciles,
reconciling them and, in a queued task, marking the invoice paid, each
record validated field by field: two to five payments a second.  Nearly
all payments of an OCR Giro file are of one shape: in the company
currency, to the KID of an open invoice with one line to pay and nothing
paid on it yet, of exactly its amount.  For those the rows Tryton would
write are inserted with one statement per table, with the same values
(tests/test_payment_posting.py compares them row by row): the statement
line, the posted move with its receivable and bank lines, the
reconciliation of the receivable line with the invoice's line to pay, the
invoice's payment line and, once the statement is posted, the invoice's
transition to paid.  So are the payments that go to the unmatched queue as
they are (a line to the Unmatched Payments Account).  The checks of
validating and posting are made once per statement: open period and
journal, usable accounts, balanced moves, totals, nothing pending, numbers
from the locked strict sequence.  Partial payments, overpayments and
reversals take Tryton's own path, and so do the payments a reversal of
the same file may undo.
"""
from collections import defaultdict, namedtuple
from decimal import Decimal

from sql import Literal, Values
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.account.exceptions import PostError
from trytond.modules.account_statement.exceptions import StatementPostError
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .posting import check_balanced, insert_rows

# The models whose records the bulk path creates or writes without the ORM
CREATED_MODELS = [
    'account.statement.origin', 'account.statement.line', 'account.move',
    'account.move.line', 'account.move.reconciliation',
    'account.invoice-account.move.line', 'kontingent.payment.unmatched']
WRITTEN_MODELS = ['account.move.line', 'account.invoice']

Claim = namedtuple(
    'Claim', ['invoice', 'party', 'account', 'line', 'amount', 'date'])
Claim.__doc__ = """An open invoice that one payment of its amount pays in
full: its party, receivable account, and line to pay with its amount and
date"""


def bulk_allowed(company):
    """Whether the payments of company may be posted in bulk: triggers set
    up by staff run on records the ORM creates and writes, and each
    reconciliation is numbered from the company's sequence"""
    pool = Pool()
    Configuration = pool.get('account.configuration')
    Trigger = pool.get('ir.trigger')
    if any(Trigger.get_triggers(name, 'create') for name in CREATED_MODELS):
        return False
    if any(Trigger.get_triggers(name, 'write') for name in WRITTEN_MODELS):
        return False
    return bool(Configuration(1).get_multivalue(
            'reconciliation_sequence', company=company.id))


def claims_payable_in_full(invoice_ids):
    """Return by invoice id the claims of the invoices, read together, that
    one payment of their amount pays in full: posted customer invoices in
    the company currency with a receivable account to reconcile, one line
    to pay not reconciled and no payment lines"""
    pool = Pool()
    Account = pool.get('account.account')
    Company = pool.get('company.company')
    Invoice = pool.get('account.invoice')
    Move = pool.get('account.move')
    MoveLine = pool.get('account.move.line')
    PaymentLine = pool.get('account.invoice-account.move.line')
    account = Account.__table__()
    company = Company.__table__()
    invoice = Invoice.__table__()
    move = Move.__table__()
    line = MoveLine.__table__()
    payment_line = PaymentLine.__table__()
    cursor = Transaction().connection.cursor()

    candidates, lines_to_pay, with_payments = {}, defaultdict(list), set()
    for sub_ids in grouped_slice(invoice_ids, backend.MAX_QUERY_PARAMS):
        sub_ids = list(sub_ids)
        cursor.execute(*invoice
            .join(company, condition=company.id == invoice.company)
            .join(account, condition=account.id == invoice.account)
            .select(invoice.id, invoice.party, invoice.account,
                where=fields.SQL_OPERATORS['in'](invoice.id, sub_ids)
                & (invoice.state == 'posted')
                & (invoice.type == 'out')
                & (invoice.currency == company.currency)
                & (account.reconcile == Literal(True))
                & (account.party_required == Literal(True))))
        candidates.update((i, (p, a)) for i, p, a in cursor)
        to_pay = Invoice._query_lines_to_pay(sub_ids)
        cursor.execute(*to_pay
            .join(line, condition=line.id == to_pay.line)
            .join(move, condition=move.id == line.move)
            .select(
                to_pay.invoice, line.id, line.debit, line.credit, move.date,
                line.party, line.reconciliation, line.second_currency))
        for invoice_id, *values in cursor:
            lines_to_pay[invoice_id].append(values)
        cursor.execute(*payment_line.select(payment_line.invoice,
                where=fields.SQL_OPERATORS['in'](
                    payment_line.invoice, sub_ids)))
        with_payments.update(i for i, in cursor)

    claims = {}
    for invoice_id, (party, account_id) in candidates.items():
        if invoice_id in with_payments or len(lines_to_pay[invoice_id]) != 1:
            continue
        (line_id, debit, credit, date, line_party, reconciliation,
            second_currency), = lines_to_pay[invoice_id]
        if (reconciliation is not None or second_currency is not None
                or line_party != party or debit - credit <= 0):
            continue
        claims[invoice_id] = Claim(
            invoice=invoice_id, party=party, account=account_id,
            line=line_id, amount=debit - credit, date=date)
    return claims


def post_payments(statement, payments, today):
    """Insert the payments of the saved statement posted; return the ids of
    their statement lines

    payments are (origin id, origin, claim) triples, each origin saved and
    its values at hand.  A payment pays its claim in full, or goes to the
    journal's Unmatched Payments Account when its claim is None."""
    pool = Pool()
    Configuration = pool.get('account.configuration')
    Line = pool.get('account.statement.line')
    Move = pool.get('account.move')
    MoveLine = pool.get('account.move.line')
    PaymentLine = pool.get('account.invoice-account.move.line')
    Period = pool.get('account.period')
    Reconciliation = pool.get('account.move.reconciliation')
    if not payments:
        return []
    company = statement.company
    journal = statement.journal
    periods = {}
    for _, origin, _ in payments:
        if origin.date not in periods:
            periods[origin.date] = Period.find(company, date=origin.date)
    check_posting_allowed(company, journal, periods.values(),
        {c.account for _, _, c in payments if c})
    # Ids rather than records, for ten thousand rows
    company_id, statement_origin = company.id, str(statement)
    account_journal, bank_account = journal.journal.id, journal.account.id
    unmatched_account = journal.kontingent_unmatched_account.id
    period_ids = {date: period.id for date, period in periods.items()}

    by_sequence = defaultdict(list)
    for index, (_, origin, _) in enumerate(payments):
        by_sequence[periods[origin.date].move_sequence_used].append(index)
    move_numbers = {}
    for move_sequence, indexes in by_sequence.items():
        move_numbers.update(zip(
                indexes, move_sequence.get_many(len(indexes))))
    move_ids = insert_rows(Move, [{
                'company': company_id, 'journal': account_journal,
                'period': period_ids[origin.date], 'date': origin.date,
                'origin': statement_origin, 'number': move_numbers[index],
                'post_date': today, 'state': 'posted',
                } for index, (_, origin, _) in enumerate(payments)],
        written=True)

    line_ids = insert_rows(Line, [{
                'statement': statement.id, 'origin': origin_id,
                'number': origin.number, 'date': origin.date,
                'amount': origin.amount,
                'account': claim.account if claim else unmatched_account,
                'party': claim.party if claim else None,
                'related_to': (
                    f'account.invoice,{claim.invoice}' if claim else None),
                'description': origin.description, 'move': move_id,
                } for (origin_id, origin, claim), move_id in zip(
                payments, move_ids)],
        written=True)

    paying = [(origin, claim, move_id, line_id)
        for (_, origin, claim), move_id, line_id in zip(
            payments, move_ids, line_ids)
        if claim]
    sequence = Configuration(1).get_multivalue(
        'reconciliation_sequence', company=company.id)
    numbers = sequence.get_many(len(paying)) if paying else []
    reconciliation_ids = insert_rows(Reconciliation, [{
                'company': company_id, 'number': number,
                'date': max(origin.date, claim.date),
                } for (origin, claim, _, _), number in zip(paying, numbers)])

    # The statement lines' move lines first, the bank lines after: each
    # move lists its lines in the order Tryton creates them
    paying_ids = insert_rows(MoveLine, [{
                'move': move_id, 'account': claim.account,
                'party': claim.party, 'debit': 0, 'credit': claim.amount,
                'origin': f'account.statement.line,{line_id}',
                'reconciliation': reconciliation_id, 'state': 'valid',
                } for (_, claim, move_id, line_id), reconciliation_id in zip(
                paying, reconciliation_ids)],
        written=True)
    insert_rows(MoveLine, [{
                'move': move_id, 'account': unmatched_account,
                'debit': 0, 'credit': origin.amount,
                'origin': f'account.statement.line,{line_id}',
                'state': 'valid',
                } for (_, origin, claim), move_id, line_id in zip(
                payments, move_ids, line_ids)
            if not claim])
    insert_rows(MoveLine, [{
                'move': move_id, 'account': bank_account,
                'debit': origin.amount, 'credit': 0, 'state': 'valid',
                } for (_, origin, _), move_id in zip(payments, move_ids)])
    check_balanced(company, move_ids)

    reconcile([claim.line for _, claim, _, _ in paying], reconciliation_ids)
    insert_rows(PaymentLine, [
            {'invoice': claim.invoice, 'line': line_id}
            for (_, claim, _, _), line_id in zip(paying, paying_ids)])
    forget([MoveLine, pool.get('account.invoice')])
    return line_ids


def check_statements(statements):
    """Check the whole saved statements as validating and posting them do,
    from their stored amounts: their lines add up to their total or end
    balance, as many origins as they count and nothing pending"""
    pool = Pool()
    Lang = pool.get('ir.lang')
    Line = pool.get('account.statement.line')
    Origin = pool.get('account.statement.origin')
    Statement = pool.get('account.statement')
    line = Line.__table__()
    origin = Origin.__table__()
    cursor = Transaction().connection.cursor()
    if not statements:
        return
    for statement in statements:
        cursor.execute(*line.select(
                line.amount, where=line.statement == statement.id))
        # One line of the sum stands for the thousands stored
        whole = Statement(statement.id,
            lines=[Line(amount=sum((a for a, in cursor), Decimal(0)))])
        if whole.validation == 'number_of_lines':
            cursor.execute(*origin.select(
                    origin.number, origin.date, origin.party,
                    where=origin.statement == statement.id,
                    order_by=origin.id))
            whole.origins = [Origin(number=n, date=d, party=p)
                for n, d, p in cursor]
        getattr(whole, f'validate_{whole.validation}')()
    pending = Origin.search([
            ('statement', 'in', [s.id for s in statements]),
            ('pending_amount', '!=', 0),
            ], limit=1)
    if pending:
        pending, = pending
        statement = pending.statement
        raise StatementPostError(gettext(
                'account_statement.msg_statement_post_pending_amount',
                statement=statement.rec_name,
                amount=Lang.get().currency(
                    pending.pending_amount, statement.journal.currency),
                origin=pending.rec_name))


def check_posting_allowed(company, journal, periods, accounts):
    """What validating the statement lines and their move lines would
    check: open journal periods, accounts of the company with a type and
    not closed, the journal's bank and unmatched accounts needing no
    party"""
    pool = Pool()
    Account = pool.get('account.account')
    MoveLine = pool.get('account.move.line')
    for period in set(periods):
        MoveLine.check_journal_period_modify(period, journal.journal)
    without_party = [journal.account, journal.kontingent_unmatched_account]
    for account in Account.browse(accounts) + without_party:
        if (not account.type or account.closed
                or account.company != company
                or (account in without_party and account.party_required)):
            raise PostError(gettext(
                    'kontingent.msg_ocr_file_account_not_usable',
                    account=account.rec_name))


def reconcile(line_ids, reconciliation_ids):
    "Write each reconciliation on the line to pay it reconciles"
    pool = Pool()
    MoveLine = pool.get('account.move.line')
    line = MoveLine.__table__()
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    for pairs in grouped_slice(
            list(zip(line_ids, reconciliation_ids)), 1000):
        values = Values(list(pairs))
        cursor.execute(*line.update(
                [line.reconciliation, line.write_uid, line.write_date],
                [values.column2, Literal(transaction.user),
                    CurrentTimestamp()],
                from_=[values], where=line.id == values.column1))


def mark_paid(invoice_ids):
    """Mark the invoices paid, as Invoice.process does when a payment
    reconciles their line to pay; their payment lines are all reconciled
    with it, leaving none for Invoice.paid to remove"""
    pool = Pool()
    Invoice = pool.get('account.invoice')
    Log = pool.get('ir.model.log')
    table = Invoice.__table__()
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    if not invoice_ids:
        return
    for sub_ids in grouped_slice(invoice_ids, backend.MAX_QUERY_PARAMS):
        cursor.execute(*table.update(
                [table.state, table.write_uid, table.write_date],
                ['paid', transaction.user, CurrentTimestamp()],
                where=fields.SQL_OPERATORS['in'](table.id, list(sub_ids))))
    insert_rows(Log, [{
                'resource': f'account.invoice,{invoice_id}',
                'event': 'transition', 'target': 'state:paid',
                'user': transaction.user,
                } for invoice_id in invoice_ids])
    forget([Invoice])
    # Finding them paid, the transition leaves the invoices as they are and
    # the extensions of Invoice.paid do what follows a payment in full
    for sub_ids in grouped_slice(invoice_ids, backend.MAX_QUERY_PARAMS):
        invoices = Invoice.browse(list(sub_ids))
        for invoice in invoices:
            invoice.state = 'paid'
        Invoice.paid(invoices)


def forget(Models):
    "Drop the records of Models the transaction has read: they changed"
    transaction = Transaction()
    transaction.counter += 1
    for cache in transaction.cache.values():
        for Model in Models:
            if Model.__name__ in cache:
                cache[Model.__name__].clear()
