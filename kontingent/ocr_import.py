# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""OCR Giro files imported into statements, each exactly once.

A file's payments are matched by KID to the open invoices of the payee
units that own the assignment's account, and posted through Tryton's
statements, whose validation pays and reconciles the invoices.  Whatever
matches no open invoice is posted to the journal's Unmatched Payments
Account and queued for staff; a reversal undoes the payment it names.
The payments that pay an open invoice in full and those queued, nearly all
of a file, are posted in bulk with the same result (payment_posting.py).
"""
from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from . import payment_posting
from .exceptions import OCRImportError
from .formats import kid, ocr_giro
from .posting import insert, insert_rows, is_stored


class OCRFile(ModelSQL, ModelView):
    "OCR Giro File"
    __name__ = 'kontingent.ocr.file'

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    data_recipient = fields.Char(
        "Data Recipient", required=True, readonly=True,
        help="The Nets customer ID the file was sent to.")
    transmission_number = fields.Char(
        "Transmission Number", required=True, readonly=True)
    fingerprint = fields.Char(
        "Fingerprint", required=True, readonly=True,
        help="SHA-256 of the file's records: the same file received again "
        "has the same fingerprint.")
    nets_date = fields.Date("Nets Date", required=True, readonly=True)
    file_name = fields.Char("File Name", readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', readonly=True,
        help="Payments less reversals.")
    payments = fields.Integer("Payments", readonly=True)
    matched = fields.Integer(
        "Matched", readonly=True, help="Payments to an open invoice.")
    unmatched = fields.Integer(
        "Unmatched", readonly=True,
        help="Payments and reversals queued for staff.")
    reversals = fields.Integer("Reversals", readonly=True)
    statements = fields.One2Many(
        'account.statement', 'kontingent_ocr_file', "Statements",
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('transmission_unique',
                Unique(t, t.data_recipient, t.transmission_number),
                'kontingent.msg_ocr_file_transmission_unique'),
            ]
        cls._order.insert(0, ('nets_date', 'DESC'))

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return f'{self.transmission_number} ({self.nets_date.isoformat()})'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('transmission_number',) + tuple(clause[1:])]

    @classmethod
    def import_file(
            cls, company, data, file_name=None, progress=None,
            transmission=None):
        """Record the OCR Giro file data for company and return it, with its
        statements matched, validated and posted

        Everything happens in the current transaction: an error anywhere
        leaves nothing behind.  progress(label, done, total) is told how
        far the matching is.  transmission is the data parsed, when the
        caller has parsed it outside the transaction: a transaction
        restarted for a lock does again what it did."""
        if transmission is None:
            try:
                transmission = ocr_giro.parse(data)
            except ocr_giro.OCRGiroError as error:
                raise OCRImportError(gettext(
                        'kontingent.msg_ocr_file_invalid', error=str(error))
                    ) from error
        cls.lock_posting(company, transmission)
        ocr_file = cls.receive(company, transmission, file_name)
        importer = Importer(ocr_file, transmission, progress)
        importer.post(importer.statements(data))
        return ocr_file

    @classmethod
    def lock_posting(cls, company, transmission):
        """Take the locks that receiving transmission and posting its
        statements ask for, before any work: Tryton restarts a transaction
        that asks for a lock late, and the work done until then is lost"""
        pool = Pool()
        Journal = pool.get('account.statement.journal')
        JournalPeriod = pool.get('account.journal.period')
        Period = pool.get('account.period')
        SequenceStrict = pool.get('ir.sequence.strict')
        cls.lock()
        dates = {t.nets_date
            for a in transmission.assignments for t in a.transactions}
        periods = {Period.find(company, date=d) for d in dates}
        SequenceStrict.lock(list({p.move_sequence_used for p in periods}))
        journals = {Journal.get_by_bank_account(company.id, a.account)
            for a in transmission.assignments} - {None}
        for journal in journals:
            if JournalPeriod.search_count([
                        ('journal', '=', journal.journal.id),
                        ('period', 'in', [p.id for p in periods]),
                        ]) < len(periods):
                # Posting creates the missing journal periods
                JournalPeriod.lock()
                break

    @classmethod
    def receive(cls, company, transmission, file_name=None):
        """Record transmission as received, or refuse it if its number
        was received before

        The table is locked first, so that two imports at once are done
        one after the other and the second sees the first."""
        pool = Pool()
        Lang = pool.get('ir.lang')
        cls.lock()
        fingerprint = ocr_giro.fingerprint(transmission)
        with without_check_access():
            received = cls.search([
                    ('data_recipient', '=', transmission.data_recipient),
                    ('transmission_number', '=', transmission.number),
                    ], limit=1)
        if received:
            received, = received
            message = ('kontingent.msg_ocr_file_imported_already'
                if received.fingerprint == fingerprint
                else 'kontingent.msg_ocr_file_number_reused')
            raise OCRImportError(gettext(message,
                    number=transmission.number,
                    recipient=transmission.data_recipient,
                    date=Lang.get().strftime(received.create_date.date()),
                    file=received.file_name or received.rec_name))
        ocr_file = cls(
            company=company, data_recipient=transmission.data_recipient,
            transmission_number=transmission.number,
            fingerprint=fingerprint, nets_date=transmission.nets_date,
            file_name=file_name)
        ocr_file.save()
        return ocr_file


class Importer:
    """Turns the assignments of a transmission into statements

    Unless in_bulk is False, the payments that pay an open invoice in full
    and those queued as unmatched are posted in bulk (payment_posting.py);
    the others through Tryton's statements."""

    def __init__(self, ocr_file, transmission, progress=None, in_bulk=True):
        pool = Pool()
        Date = pool.get('ir.date')
        self.ocr_file = ocr_file
        self.company = ocr_file.company
        self.transmission = transmission
        self.progress = progress or (lambda label, done, total: None)
        self.in_bulk = in_bulk and payment_posting.bulk_allowed(self.company)
        with Transaction().set_context(company=self.company.id):
            self.today = Date.today()
        # Amount still to pay per invoice id, as this file pays them
        self.remaining = {}
        # Claims a payment of their amount pays in full, by invoice id
        self.claims = {}
        # Invoice ids this file pays
        self.paying = set()
        # Payments posted in bulk by id of statement: (origin, claim) with
        # no claim for those queued, whose unmatched payments are by id of
        # origin
        self.bulk = defaultdict(list)
        self.bulk_unmatched = {}
        # A payment named by a reversal of the file is undone from its lines
        self.reversed_kids = {
            t.kid for a in transmission.assignments for t in a.transactions
            if t.is_reversal or t.sign == ocr_giro.NEGATIVE}
        # Origins built in memory by id of statement, statement lines by id
        # of origin
        self.origins = {}
        self.lines = defaultdict(list)
        self.unmatched = {}
        # Payments of this file by (journal, KID, amount), oldest first
        self.payments = defaultdict(list)
        self.reversed = set()
        # (reversal origin, original origin) and (original, reversal) lines
        self.reversal_origins = []
        self.reversal_lines = []
        self.counts = defaultdict(int)

    def statements(self, data):
        "Return the saved statements of the transmission"
        pool = Pool()
        Statement = pool.get('account.statement')
        Origin = pool.get('account.statement.origin')
        Line = pool.get('account.statement.line')
        Unmatched = pool.get('kontingent.payment.unmatched')

        statements, origins = [], []
        total = sum(len(a.transactions) for a in self.transmission.assignments)
        self.progress("Matching payments", 0, total)
        for assignment in self.transmission.assignments:
            statement = self.statement(assignment, data)
            assignment_origins = []
            for transaction in assignment.transactions:
                assignment_origins.append(
                    self.origin(statement, assignment, transaction))
                self.counts['done'] += 1
                if not self.counts['done'] % 100:
                    self.progress(
                        "Matching payments", self.counts['done'], total)
            amount = sum((o.amount for o in assignment_origins), Decimal(0))
            statement.total_amount = amount
            statement.number_of_lines = len(assignment_origins)
            statement.start_balance = (
                statement.on_change_with_start_balance() or Decimal(0))
            statement.end_balance = statement.start_balance + amount
            statements.append(statement)
            origins.extend(assignment_origins)
            self.origins[id(statement)] = assignment_origins
        self.progress("Matching payments", total, total)

        origin_lines = [(origin, self.lines[id(origin)]) for origin in origins]
        Statement.save(statements)
        if self.in_bulk:
            # Inserted as Origin.save would, in the order of the file
            saved = Origin.browse(insert_rows(Origin, [
                        vars(o) if isinstance(o, SimpleNamespace)
                        else stored_values(o) for o in origins]))
        else:
            Origin.save(origins)
            saved = origins
        self.saved_origins = dict(zip(map(id, origins), saved))
        reversals = []
        for reversal, original in self.reversal_origins:
            reversals.append([self.saved_origins[id(reversal)]])
            reversals.append({'kontingent_reversal_of': (
                        self.saved_origins.get(id(original), original).id)})
        if reversals:
            Origin.write(*reversals)
        lines = []
        for origin, its_lines in origin_lines:
            for line in its_lines:
                line.statement = origin.statement
                line.origin = self.saved_origins[id(origin)]
                lines.append(line)
        Line.save(lines)
        for line, unmatched in self.unmatched.items():
            unmatched.statement_line = line
        Unmatched.save(list(self.unmatched.values()))
        return statements

    def post(self, statements):
        """Validate and post the saved statements, the payments that pay
        an open invoice in full in bulk, and settle the reversals"""
        pool = Pool()
        Statement = pool.get('account.statement')
        Unmatched = pool.get('kontingent.payment.unmatched')
        windows, queued, queued_lines = [], [], []
        for statement in statements:
            payments = self.bulk[id(statement)]
            line_ids = payment_posting.post_payments(statement, [
                    (self.saved_origins[id(o)].id, o, claim)
                    for o, claim in payments], self.today)
            for (origin, claim), line_id in zip(payments, line_ids):
                if not claim:
                    queued.append(self.bulk_unmatched[id(origin)])
                    queued_lines.append({'statement_line': line_id})
            windows.append(self.window(statement) if payments else statement)
        insert(Unmatched, queued, queued_lines)
        payment_posting.check_statements(
            [s for s in statements if self.bulk[id(s)]])
        Statement.validate_statement(windows)
        Statement.post(windows)
        # Once posted: validating refuses statements paying paid invoices
        payment_posting.mark_paid([claim.invoice
                for payments in self.bulk.values()
                for _, claim in payments if claim])
        self.settle_reversals()
        self.summarise()

    def window(self, statement):
        """Return the saved statement as Tryton's validation and posting are
        to see it: with the origins and lines posted their way, and their
        totals

        Tryton reads every line and origin of a statement one by one, ten
        thousand in a file; payment_posting.check_statements checks the
        totals of the whole statement."""
        pool = Pool()
        Statement = pool.get('account.statement')
        in_bulk = {id(o) for o, _ in self.bulk[id(statement)]}
        origins = [o for o in self.origins[id(statement)]
            if id(o) not in in_bulk]
        lines = [l for o in origins for l in self.lines[id(o)]]
        amount = sum((l.amount for l in lines), Decimal(0))
        window = Statement(statement.id,
            origins=[self.saved_origins[id(o)] for o in origins],
            lines=lines, total_amount=amount,
            end_balance=statement.start_balance + amount)
        window.number_of_lines = len(list(window.grouped_lines))
        return window

    def statement(self, assignment, data):
        pool = Pool()
        Statement = pool.get('account.statement')
        Journal = pool.get('account.statement.journal')
        Unit = pool.get('kontingent.unit')

        journal = Journal.get_by_bank_account(
            self.company.id, assignment.account)
        if not journal:
            raise OCRImportError(gettext(
                    'kontingent.msg_ocr_file_no_journal',
                    company=self.company.rec_name,
                    account=assignment.account,
                    assignment=assignment.number))
        if not journal.kontingent_unmatched_account:
            raise OCRImportError(gettext(
                    'kontingent.msg_ocr_file_no_unmatched_account',
                    journal=journal.rec_name))
        self.journal = journal
        self.units = Unit.search([
                ('company', '=', self.company.id),
                ('kid_algorithm', '!=', None),
                ('account_number', '=', assignment.account),
                ])
        self.kid_algorithms = {u.kid_algorithm for u in self.units} or {None}
        self.invoices = self.invoices_by_kid(assignment)
        return Statement(
            name=f'OCR {self.transmission.number}-{assignment.number}',
            company=self.company, journal=journal,
            date=self.transmission.nets_date,
            kontingent_ocr_file=self.ocr_file,
            origin_file=data)

    def kid_is_valid(self, number):
        return bool(number) and any(
            kid.is_valid(number, a) for a in self.kid_algorithms)

    def invoices_by_kid(self, assignment):
        "Return the claims of the payee units by the KIDs of assignment"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        kids = sorted({
                t.kid for t in assignment.transactions
                if self.kid_is_valid(t.kid)})
        invoice = Invoice.__table__()
        cursor = Transaction().connection.cursor()
        invoices, states = {}, {}
        for sub_kids in grouped_slice(kids, backend.MAX_QUERY_PARAMS):
            query = Invoice.search([
                    ('company', '=', self.company.id),
                    ('type', '=', 'out'),
                    ('currency', '=', self.journal.currency.id),
                    ('kontingent_unit', 'in', [u.id for u in self.units]),
                    ('kontingent_kid', 'in', list(sub_kids)),
                    ], query=True)
            # Only what matching needs, not every field of thousands
            cursor.execute(*invoice.select(
                    invoice.id, invoice.kontingent_kid, invoice.state,
                    where=invoice.id.in_(query),
                    order_by=invoice.id.asc))
            for invoice_id, number, state in cursor:
                states[invoice_id] = state
                # Units sharing an account may share a KID: the open
                # claim is the one paid.
                known = invoices.get(number)
                if not known or states[known] != 'posted':
                    invoices[number] = invoice_id
        invoices = dict(zip(invoices, Invoice.browse(list(invoices.values()))))
        # Read together, not one invoice at a time as they are paid
        posted = [i for i in invoices.values()
            if states[i.id] == 'posted' and i.id not in self.remaining]
        if self.in_bulk:
            claims = payment_posting.claims_payable_in_full(
                [i.id for i in posted])
            self.claims.update(claims)
            self.remaining.update(
                (i, c.amount) for i, c in claims.items())
            posted = [i for i in posted if i.id not in claims]
        self.remaining.update(
            Invoice.get_amount_to_pay(posted, 'amount_to_pay'))
        return invoices

    def origin(self, statement, assignment, transaction):
        pool = Pool()
        Origin = pool.get('account.statement.origin')

        negative = (transaction.is_reversal
            or transaction.sign == ocr_giro.NEGATIVE)
        values = dict(
            statement=statement, number=str(transaction.number),
            date=transaction.nets_date,
            amount=-transaction.amount if negative else transaction.amount,
            description=transaction.text,
            kontingent_kid=transaction.kid,
            information=self.information(transaction))
        if negative:
            self.counts['reversals'] += 1
            origin = Origin(**values)
            self.reverse(origin, transaction)
            return origin
        self.counts['payments'] += 1
        claim = self.claim_paid_in_full(transaction)
        if claim:
            # Values rather than a record: ten thousand records in memory
            # cost more than matching them
            origin = SimpleNamespace(party=claim.party, **values)
            self.bulk[id(statement)].append((origin, claim))
            self.paying.add(claim.invoice)
            self.remaining[claim.invoice] = Decimal(0)
            self.counts['matched'] += 1
            return origin
        origin = Origin(**values)
        self.pay(origin, transaction)
        return origin

    def claim_paid_in_full(self, transaction):
        """Return the claim that the payment pays in full, to post in bulk,
        or None

        A payment to a claim paid already in the file, or that a reversal
        of the file may undo, takes Tryton's path."""
        invoice = self.invoices.get(transaction.kid)
        claim = self.claims.get(invoice.id) if invoice else None
        if (claim and claim.invoice not in self.paying
                and transaction.amount == claim.amount
                and transaction.kid not in self.reversed_kids):
            return claim

    def information(self, transaction):
        information = {
            'kontingent_transaction_type': str(transaction.type.value),
            'kontingent_archive_reference': transaction.archive_reference,
            'kontingent_form_number': transaction.form_number,
            }
        if transaction.debit_account:
            information['kontingent_payer_account'] = (
                transaction.debit_account)
        if transaction.bank_date:
            information['kontingent_bank_date'] = transaction.bank_date
        return information

    def line(self, origin, amount, account, party=None, invoice=None):
        pool = Pool()
        Line = pool.get('account.statement.line')
        line = Line(
            number=origin.number, date=origin.date, amount=amount,
            account=account, party=party, related_to=invoice,
            description=origin.description)
        self.lines[id(origin)].append(line)
        return line

    def pay(self, origin, transaction):
        "Pay the invoice of the transaction's KID, or queue the payment"
        invoice = self.invoices.get(transaction.kid)
        if not self.kid_is_valid(transaction.kid):
            return self.queue(origin, transaction, 'invalid_kid')
        if not invoice:
            return self.queue(origin, transaction, 'unknown_kid')
        remaining = self.amount_to_pay(invoice)
        if remaining <= 0:
            return self.queue(origin, transaction, 'invoice_closed')
        self.payments[self.journal, transaction.kid, origin.amount].append(
            origin)
        self.counts['matched'] += 1
        origin.party = invoice.party
        self.paying.add(invoice.id)
        applied = min(origin.amount, remaining)
        self.line(origin, applied, invoice.account, invoice.party, invoice)
        if origin.amount > applied:
            # The overpayment stays on the payer's account as a credit
            self.line(
                origin, origin.amount - applied, invoice.account,
                invoice.party)
        self.remaining[invoice.id] = remaining - applied

    def amount_to_pay(self, invoice):
        "Return what is left to pay of invoice after this file's payments"
        if invoice.id not in self.remaining:
            self.remaining[invoice.id] = (invoice.amount_to_pay
                if invoice.state == 'posted' else Decimal(0))
        return self.remaining[invoice.id]

    def queue(self, origin, transaction, reason):
        "Post the origin to the unmatched account and queue it for staff"
        pool = Pool()
        Unmatched = pool.get('kontingent.payment.unmatched')
        unmatched = Unmatched(
            company=self.company, date=origin.date, amount=origin.amount,
            kid=transaction.kid, payer_account=transaction.debit_account,
            archive_reference=transaction.archive_reference, reason=reason,
            state='open')
        if (self.in_bulk and origin.amount > 0
                and self.journal.currency == self.company.currency
                and transaction.kid not in self.reversed_kids):
            self.bulk[id(origin.statement)].append((origin, None))
            self.bulk_unmatched[id(origin)] = unmatched
        else:
            line = self.line(origin, origin.amount,
                self.journal.kontingent_unmatched_account)
            self.unmatched[line] = unmatched
        if origin.amount > 0:
            self.payments[
                self.journal, transaction.kid, origin.amount].append(origin)
        self.counts['unmatched'] += 1

    def reverse(self, origin, transaction):
        """Undo the payment the reversal names: the latest not reversed
        payment of the journal with its KID and amount"""
        pool = Pool()
        Unmatched = pool.get('kontingent.payment.unmatched')
        original = self.original(transaction.kid, -origin.amount)
        if original is None:
            return self.queue(origin, transaction, 'unknown_reversal')
        if original.id is None:
            original_lines = self.lines[id(original)]
        else:
            original_lines = list(original.lines)
        settled = []
        for line in original_lines:
            unmatched = self.unmatched.get(line)
            if line.id is not None:
                unmatched = next(iter(Unmatched.search([
                                ('statement_line', '=', line.id),
                                ], limit=1)), None)
            if unmatched and unmatched.state != 'open':
                # Staff have settled the payment by hand: so must they
                # the reversal.
                return self.queue(origin, transaction, 'unknown_reversal')
            if unmatched:
                settled.append(unmatched)
        for unmatched in settled:
            unmatched.state = 'reversed'
            if unmatched.id is not None:
                unmatched.save()
        self.reversed.add(original)
        self.reversal_origins.append((origin, original))
        origin.party = original.party
        for line in original_lines:
            reversal = self.line(
                origin, -line.amount, line.account, line.party)
            self.reversal_lines.append((line, reversal))
            if line.invoice:
                self.remaining[line.invoice.id] = (
                    self.amount_to_pay(line.invoice) + line.amount)

    def original(self, number, amount):
        "Return the origin of the payment to reverse, or None"
        pool = Pool()
        Origin = pool.get('account.statement.origin')
        if not number:
            return
        for origin in reversed(self.payments[self.journal, number, amount]):
            if origin not in self.reversed:
                return origin
        candidates = Origin.search([
                ('kontingent_kid', '=', number),
                ('amount', '=', amount),
                ('statement.journal', '=', self.journal.id),
                ('statement.state', '=', 'posted'),
                ], order=[('date', 'DESC'), ('id', 'DESC')])
        reversed_ids = {o.kontingent_reversal_of.id for o in Origin.search([
                    ('kontingent_reversal_of', 'in',
                        [c.id for c in candidates]),
                    ])}
        for candidate in candidates:
            if (candidate.id not in reversed_ids
                    and candidate not in self.reversed):
                return candidate

    def settle_reversals(self):
        """Take each reversed payment off its invoice and reconcile it with
        its reversal, leaving the invoice open as before the payment"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Line = pool.get('account.statement.line')
        MoveLine = pool.get('account.move.line')
        Reconciliation = pool.get('account.move.reconciliation')

        pairs = [
            (self.move_line(Line(original.id)), self.move_line(Line(r.id)))
            for original, r in self.reversal_lines
            if original.account.reconcile]
        if not pairs:
            return
        invoice_ids = {i.id for i in Invoice.search([
                    ('payment_lines', 'in', [o.id for o, _ in pairs]),
                    ])}
        Reconciliation.delete(list({
                    o.reconciliation for o, _ in pairs if o.reconciliation}))
        Invoice.process(Invoice.browse(invoice_ids))
        Invoice.remove_payment_lines([o for o, _ in pairs])
        MoveLine.reconcile(
            *[MoveLine.browse([o.id, r.id]) for o, r in pairs])
        # Payments that follow the reversal in the file may pay the
        # invoice in full again.
        for invoice in Invoice.browse(invoice_ids):
            lines = [l for l in invoice.lines_to_pay + invoice.payment_lines
                if not l.reconciliation]
            if lines and not sum(l.debit - l.credit for l in lines):
                MoveLine.reconcile(lines)
        Invoice.process(Invoice.browse(invoice_ids))

    @staticmethod
    def move_line(statement_line):
        line, = [l for l in statement_line.move.lines
            if l.origin == statement_line]
        return line

    def summarise(self):
        self.ocr_file.amount = sum(
            (s.total_amount for s in self.ocr_file.statements), Decimal(0))
        self.ocr_file.payments = self.counts['payments']
        self.ocr_file.matched = self.counts['matched']
        self.ocr_file.unmatched = self.counts['unmatched']
        self.ocr_file.reversals = self.counts['reversals']
        self.ocr_file.save()


def stored_values(record):
    "Return the stored values of the record built in memory"
    return {name: value for name, value in record._values._items()
        if is_stored(record._fields[name])}
