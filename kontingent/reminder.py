# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import csv
import datetime
import io
import smtplib
from collections import defaultdict, namedtuple
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formataddr

from sql import Literal
from sql.aggregate import Sum

from trytond import backend, config
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.sendmail import send_message
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from . import reminder_law
from .dunning import create_rows, write_each, write_values
from .exceptions import ReminderError

# Letters sent per transaction
BATCH_SIZE = 500

Claim = namedtuple('Claim', [
        'dunning', 'party', 'invoice', 'unit', 'level', 'maturity_date',
        'amount'])
Claim.__doc__ = """The dunning of a claim with what its letter shows: ids of
the payer, invoice, the invoice's unit and level"""

HAND_OVER_COLUMNS = [
    'recipient', 'unit', 'member_number', 'name', 'street', 'postal_code',
    'city', 'country', 'invoice', 'kid', 'invoice_date', 'due_date',
    'amount', 'fees', 'currency',
    ]


class ReminderRun(Workflow, ModelSQL, ModelView):
    "Reminder Run"
    __name__ = 'kontingent.reminder.run'

    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'draft',
            })
    date = fields.Date(
        "Date", required=True,
        states={
            'readonly': Eval('state') != 'draft',
            },
        help="Reminds the claims overdue on this date.")
    reminders = fields.One2Many(
        'kontingent.reminder', 'run', "Letters", readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    members = fields.Function(fields.Integer("Members"), 'get_figures')
    claims = fields.Function(fields.Integer("Claims"), 'get_figures')
    amount = fields.Function(
        Monetary("Overdue", currency='currency', digits='currency'),
        'get_figures')
    fees = fields.Function(
        Monetary("Fees", currency='currency', digits='currency'),
        'get_figures')
    handed_over = fields.Function(
        fields.Integer("Handed Over"), 'get_figures')
    suspended = fields.Function(
        fields.Integer("Suspended Memberships"), 'get_figures')
    progress = fields.Function(
        fields.Float("Progress", digits=(1, 4)), 'get_figures')
    hand_over_file = fields.Binary(
        "Hand-over List", readonly=True, filename='hand_over_file_name',
        states={
            'invisible': ~Eval('hand_over_file'),
            })
    hand_over_file_name = fields.Char("Hand-over List Name", readonly=True)
    hand_over_sent_to = fields.Char(
        "Hand-over List Sent To", readonly=True,
        states={
            'invisible': ~Eval('hand_over_sent_to'),
            },
        help="The addresses of the hand-over levels that got their claims "
        "of this run by e-mail, or why one did not.")
    state = fields.Selection([
            ('draft', "Draft"),
            ('previewed', "Previewed"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('date', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'previewed'),
            ('previewed', 'previewed'),
            ('previewed', 'done'),
            ('draft', 'cancelled'),
            ('previewed', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'preview': {
                    'invisible': ~Eval('state').in_(['draft', 'previewed']),
                    'icon': 'tryton-refresh',
                    'depends': ['state'],
                    },
                'process': {
                    'invisible': Eval('state') != 'previewed',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'previewed']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'cancelled',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_date():
        return Pool().get('ir.date').today()

    @staticmethod
    def default_state():
        return 'draft'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return gettext('kontingent.msg_reminder_run_name',
            company=self.company.rec_name, date=self.date)

    @classmethod
    def get_figures(cls, runs, names):
        pool = Pool()
        Reminder = pool.get('kontingent.reminder')
        Line = pool.get('kontingent.reminder.line')
        Suspended = pool.get('kontingent.reminder-kontingent.membership')
        reminder = Reminder.__table__()
        line = Line.__table__()
        suspended = Suspended.__table__()
        cursor = Transaction().connection.cursor()
        figures = defaultdict(lambda: defaultdict(Decimal))
        for sub_ids in grouped_slice(
                [r.id for r in runs], backend.MAX_QUERY_PARAMS):
            where = fields.SQL_OPERATORS['in'](reminder.run, list(sub_ids))
            cursor.execute(*reminder.select(
                    reminder.run, reminder.state, reminder.kind,
                    Literal(1), reminder.fee,
                    where=where))
            for run_id, state, kind, count, fee in cursor:
                values = figures[run_id]
                values['members'] += count
                values['fees'] += Decimal(str(fee or 0))
                if state != 'draft':
                    values['done'] += count
                if kind in reminder_law.FINAL_KINDS:
                    values['handed_over'] += count
            cursor.execute(*line.join(reminder,
                    condition=line.reminder == reminder.id
                    ).select(reminder.run, Sum(Literal(1)), Sum(line.amount),
                    where=where, group_by=[reminder.run]))
            for run_id, count, amount in cursor:
                figures[run_id]['claims'] = count
                figures[run_id]['amount'] = Decimal(str(amount or 0))
            cursor.execute(*suspended.join(reminder,
                    condition=suspended.reminder == reminder.id
                    ).select(reminder.run, Sum(Literal(1)),
                    where=where, group_by=[reminder.run]))
            for run_id, count in cursor:
                figures[run_id]['suspended'] = count
        result = {name: {} for name in names}
        for run in runs:
            values = figures[run.id]
            members = int(values['members'])
            for name in names:
                if name == 'progress':
                    value = values['done'] / members if members else 0.0
                elif name in {'amount', 'fees'}:
                    value = run.company.currency.round(values[name])
                else:
                    value = int(values[name])
                result[name][run.id] = value
        return result

    @classmethod
    def check_modification(cls, mode, runs, values=None, external=False):
        super().check_modification(
            mode, runs, values=values, external=external)
        if mode == 'delete':
            for run in runs:
                if run.state not in {'draft', 'cancelled'}:
                    raise ReminderError(gettext(
                            'kontingent.msg_reminder_run_delete',
                            run=run.rec_name))

    @classmethod
    def copy(cls, runs, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('reminders')
        default.setdefault('hand_over_file')
        default.setdefault('hand_over_file_name')
        default.setdefault('hand_over_sent_to')
        return super().copy(runs, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('previewed')
    def preview(cls, runs):
        for run in runs:
            run.prepare()

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def process(cls, runs):
        for run in runs:
            run.send()

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, runs):
        """Drop the letters not sent; the claims' dunnings stay drafts, which
        the next run groups again"""
        pool = Pool()
        Reminder = pool.get('kontingent.reminder')
        Reminder.delete([r for run in runs for r in run.reminders
                if r.state == 'draft'])

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, runs):
        pass

    def check_no_open_run(self):
        "Refuse a second run of the company that is not processed"
        if backend.name != 'sqlite':
            self.__class__.lock()
        others = self.search([
                ('company', '=', self.company.id),
                ('state', '=', 'previewed'),
                ('id', '!=', self.id),
                ], limit=1)
        if others:
            raise ReminderError(gettext(
                    'kontingent.msg_reminder_run_open',
                    run=self.rec_name, other=others[0].rec_name))

    def prepare(self):
        """Create the company's dunnings due on the date and group the
        drafts into one letter per payer and unit"""
        pool = Pool()
        Dunning = pool.get('account.dunning')
        Reminder = pool.get('kontingent.reminder')
        self.check_no_open_run()
        Reminder.delete([r for r in self.reminders if r.state == 'draft'])
        with Transaction().set_context(company=self.company.id,
                companies=[self.company.id], reminder_date=self.date):
            Dunning.generate_dunnings(date=self.date)
            dunnings = Dunning.search([
                    ('company', '=', self.company.id),
                    ('state', '=', 'draft'),
                    ('blocked', '=', False),
                    ], order=[('id', 'ASC')])
            Reminder.create_letters(self.__class__(self.id), dunnings)

    def send(self):
        "Send the letters not sent yet, then list the claims handed over"
        pool = Pool()
        Reminder = pool.get('kontingent.reminder')
        for batch in self.batches():
            Reminder.send(batch, self.date)
        self.hand_over_file = self.hand_over_csv()
        if self.hand_over_file:
            self.hand_over_file_name = '%s-%s.csv' % (
                gettext('kontingent.msg_reminder_hand_over_file'),
                self.date.isoformat())
            self.hand_over_sent_to = ', '.join(self.send_hand_over_lists())
        self.save()

    def batches(self):
        """Yield the letters not sent in lists of BATCH_SIZE: one
        transaction each lets a stopped run be resumed"""
        pool = Pool()
        Reminder = pool.get('kontingent.reminder')
        drafts = Reminder.search([
                ('run', '=', self.id),
                ('state', '=', 'draft'),
                ])
        for batch in grouped_slice(drafts, BATCH_SIZE):
            yield list(batch)

    def handed_over_letters(self):
        "Return the run's letters of the hand-over levels"
        pool = Pool()
        Reminder = pool.get('kontingent.reminder')
        return Reminder.search([
                ('run', '=', self.id),
                ('kind', 'in', list(reminder_law.FINAL_KINDS)),
                ])

    def hand_over_csv(self, reminders=None):
        "Return the CSV of the claims handed over (of reminders), or None"
        if reminders is None:
            reminders = self.handed_over_letters()
        rows = [r for reminder in reminders for r in reminder.hand_over_rows()]
        if not rows:
            return None
        out = io.StringIO()
        writer = csv.DictWriter(out, HAND_OVER_COLUMNS, lineterminator='\n')
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode('utf-8')

    def send_hand_over_lists(self):
        """E-mail each hand-over level's list of its claims to the level's
        address; return for each address that it got it or why not"""
        by_address = defaultdict(list)
        for reminder in self.handed_over_letters():
            if reminder.level.notify_email:
                by_address[reminder.level.notify_email].append(reminder)
        sender = config.get('email', 'from')
        results = []
        for address, reminders in sorted(by_address.items()):
            values = {
                'company': self.company.rec_name,
                'date': self.date.isoformat(),
                'members': len({r.party for r in reminders}),
                'claims': sum(len(r.lines) for r in reminders),
                }
            message = EmailMessage()
            message['From'] = formataddr((self.company.rec_name, sender))
            message['To'] = address
            message['Subject'] = gettext(
                'kontingent.msg_reminder_hand_over_email_subject', **values)
            message.set_content(gettext(
                    'kontingent.msg_reminder_hand_over_email_body', **values))
            message.add_attachment(
                self.hand_over_csv(reminders).decode('utf-8'),
                subtype='csv', filename=self.hand_over_file_name)
            try:
                send_message(message, strict=True)
            except (smtplib.SMTPException, OSError) as exception:
                results.append(gettext(
                        'kontingent.msg_reminder_hand_over_email_failed',
                        address=address, error=exception))
            else:
                results.append(address)
        return results


class Reminder(ModelSQL, ModelView):
    "Reminder"
    __name__ = 'kontingent.reminder'

    run = fields.Many2One(
        'kontingent.reminder.run', "Run", required=True, readonly=True,
        ondelete='CASCADE')
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    party = fields.Many2One(
        'party.party', "Payer", required=True, readonly=True,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    unit = fields.Many2One('kontingent.unit', "Unit", readonly=True)
    level = fields.Many2One(
        'account.dunning.level', "Level", required=True, readonly=True)
    kind = fields.Selection(
        'get_kinds', "Kind", required=True, readonly=True)
    date = fields.Date("Date", required=True, readonly=True)
    payment_deadline = fields.Date("Pay By", readonly=True)
    currency = fields.Many2One(
        'currency.currency', "Currency", required=True, readonly=True)
    lines = fields.One2Many(
        'kontingent.reminder.line', 'reminder', "Claims", readonly=True)
    amount = fields.Function(
        Monetary("Overdue", currency='currency', digits='currency'),
        'get_amount')
    paid = Monetary(
        "Paid, not Allocated", currency='currency', digits='currency',
        readonly=True,
        help="Payments of the payer not yet reconciled with a claim.")
    fee = Monetary(
        "Fee", currency='currency', digits='currency', readonly=True)
    total = fields.Function(
        Monetary("To Pay", currency='currency', digits='currency'),
        'get_amount')
    suspended = fields.Many2Many(
        'kontingent.reminder-kontingent.membership', 'reminder',
        'membership', "Suspended Memberships", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('sent', "Sent"),
            ], "State", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('date', 'DESC'),
            ('id', 'DESC'),
            ]

    @classmethod
    def get_kinds(cls):
        pool = Pool()
        Level = pool.get('account.dunning.level')
        return Level.fields_get(['reminder_kind'])[
            'reminder_kind']['selection']

    @staticmethod
    def default_state():
        return 'draft'

    @classmethod
    def get_amount(cls, reminders, names):
        result = {name: {} for name in names}
        for reminder in reminders:
            amount = sum((l.amount for l in reminder.lines), Decimal(0))
            if 'amount' in names:
                result['amount'][reminder.id] = amount
            if 'total' in names:
                result['total'][reminder.id] = reminder.currency.round(
                    amount + (reminder.fee or 0) - (reminder.paid or 0))
        return result

    def get_rec_name(self, name):
        return '%s - %s' % (self.level.rec_name, self.party.rec_name)

    @classmethod
    def create_letters(cls, run, dunnings):
        """Create one letter per payer and unit for the dunnings, at the
        highest level among them"""
        pool = Pool()
        Dunning = pool.get('account.dunning')
        Level = pool.get('account.dunning.level')
        Line = pool.get('kontingent.reminder.line')
        Party = pool.get('party.party')
        claims = cls.claims_of(dunnings)
        groups = defaultdict(list)
        for dunning in dunnings:
            claim = claims[dunning.id]
            groups[(claim.party, claim.unit)].append(claim)
        paid = cls.unallocated_payments(
            run.company, Party.browse({p for p, _ in groups}))
        levels = {l.id: l for l in Level.browse(
                {c.level for g in groups.values() for c in g})}
        rank = {i: l.procedure.levels.index(l) for i, l in levels.items()}
        fees = {i: l.fee_amount for i, l in levels.items()}
        company, currency = run.company.id, run.company.currency.id
        letters, letter_claims = [], []
        for (party, unit), group in groups.items():
            overdue = sum(c.amount for c in group)
            unallocated = paid.get(party, Decimal(0))
            if overdue <= unallocated:
                continue
            level = levels[max((c.level for c in group), key=rank.get)]
            final = level.reminder_kind in reminder_law.FINAL_KINDS
            letters.append({
                    'run': run.id, 'company': company, 'party': party,
                    'unit': unit, 'level': level.id,
                    'kind': level.reminder_kind, 'date': run.date,
                    'payment_deadline': (None if final else
                        run.date + datetime.timedelta(
                            days=level.payment_days)),
                    'currency': currency,
                    'paid': unallocated,
                    'fee': Decimal(0) if final else fees[level.id],
                    })
            letter_claims.append(group)
        letter_ids = create_rows(cls, letters)
        create_rows(Line, [{
                    'reminder': letter_id, 'dunning': claim.dunning,
                    'invoice': claim.invoice, 'level': claim.level,
                    'maturity_date': claim.maturity_date,
                    'amount': claim.amount,
                    } for letter_id, group in zip(letter_ids, letter_claims)
                for claim in group])
        write_each(Dunning, 'reminder', {claim.dunning: letter_id
                for letter_id, group in zip(letter_ids, letter_claims)
                for claim in group})
        return cls.browse(letter_ids)

    @classmethod
    def claims_of(cls, dunnings):
        """Return by dunning id the claim of each dunning, read in bulk:
        its payer, invoice and the invoice's unit, level, due date and
        amount"""
        pool = Pool()
        Dunning = pool.get('account.dunning')
        Invoice = pool.get('account.invoice')
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        dunning = Dunning.__table__()
        line = MoveLine.__table__()
        move = Move.__table__()
        invoice = Invoice.__table__()
        cursor = Transaction().connection.cursor()
        rows, units = [], {}
        for sub_ids in grouped_slice(
                [d.id for d in dunnings], backend.MAX_QUERY_PARAMS):
            cursor.execute(*dunning
                .join(line, condition=dunning.line == line.id)
                .join(move, condition=line.move == move.id)
                .select(dunning.id, line.party, move.origin, dunning.level,
                    line.maturity_date, line.debit, line.credit,
                    where=fields.SQL_OPERATORS['in'](
                        dunning.id, list(sub_ids))))
            for dunning_id, party, origin, *values in cursor:
                model, _, invoice_id = (origin or '').partition(',')
                invoice_id = (int(invoice_id)
                    if model == Invoice.__name__ else None)
                if invoice_id:
                    units[invoice_id] = None
                rows.append((dunning_id, party, invoice_id, *values))
        for sub_ids in grouped_slice(list(units), backend.MAX_QUERY_PARAMS):
            cursor.execute(*invoice.select(
                    invoice.id, invoice.kontingent_unit,
                    where=fields.SQL_OPERATORS['in'](
                        invoice.id, list(sub_ids))))
            units.update(cursor)
        return {
            dunning_id: Claim(
                dunning=dunning_id, party=party, invoice=invoice_id,
                unit=units.get(invoice_id), level=level,
                maturity_date=maturity_date,
                amount=Decimal(str(debit)) - Decimal(str(credit)))
            for (dunning_id, party, invoice_id, level, maturity_date,
                debit, credit) in rows}

    @classmethod
    def unallocated_payments(cls, company, parties):
        """Return the payers' receivable credits not reconciled, per party
        id: money received that is not yet set against a claim"""
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        Account = pool.get('account.account')
        AccountType = pool.get('account.account.type')
        line = MoveLine.__table__()
        account = Account.__table__()
        account_type = AccountType.__table__()
        cursor = Transaction().connection.cursor()
        credit = MoveLine.credit._domain_column('>', line.credit)
        debit = MoveLine.debit._domain_column('<', line.debit)
        result = {}
        for sub_ids in grouped_slice(
                [p.id for p in parties], backend.MAX_QUERY_PARAMS):
            cursor.execute(*line
                .join(account, condition=line.account == account.id)
                .join(account_type,
                    condition=account.type == account_type.id)
                .select(line.party, Sum(line.credit - line.debit),
                    where=fields.SQL_OPERATORS['in'](line.party, list(sub_ids))
                    & (account.company == company.id)
                    & (account_type.receivable == Literal(True))
                    & (line.reconciliation == None)  # noqa: E711
                    & ((credit > 0) | (debit < 0)),
                    group_by=[line.party]))
            for party_id, amount in cursor:
                result[party_id] = Decimal(str(amount or 0))
        return result

    @classmethod
    def send(cls, reminders, date):
        """Process the letters' dunnings (the fee on the first claim of
        each), suspend and hand over where the level says so"""
        pool = Pool()
        Dunning = pool.get('account.dunning')
        Invoice = pool.get('account.invoice')
        Level = pool.get('account.dunning.level')
        Membership = pool.get('kontingent.membership')
        claims = cls.claim_ids(reminders)
        by_company = defaultdict(list)
        for reminder in reminders:
            for company, dunning, _ in claims[reminder.id]:
                by_company[company].append(dunning)
        for company, dunnings in by_company.items():
            with Transaction().set_context(
                    company=company, reminder_date=date):
                Dunning.process(Dunning.browse(dunnings))
        # Read without making a record of each letter's payer, unit...
        letters = {v['id']: v for v in cls.read(
                [r.id for r in reminders], ['kind', 'level'])}
        final = [r for r in reminders
            if letters[r.id]['kind'] in reminder_law.FINAL_KINDS]
        handed_over = [i for r in final for _, _, i in claims[r.id] if i]
        if handed_over:
            Invoice.write(Invoice.browse(handed_over), {'handed_over': date})
            Dunning.write(Dunning.browse(
                    [d for r in final for _, d, _ in claims[r.id]]),
                {'blocked': True})
        suspending_levels = {l.id for l in Level.browse(
                {v['level'] for v in letters.values()})
            if l.suspend_membership}
        suspending = [r for r in reminders
            if letters[r.id]['level'] in suspending_levels]
        to_suspend = {}
        for reminder in suspending:
            memberships = reminder.billed_memberships()
            to_suspend.update((m, reminder) for m in memberships
                if m.state == 'active')
            reminder.suspended = [m for m in memberships
                if m.state == 'active']
        if to_suspend:
            Membership.suspend(list(to_suspend))
        cls.save(suspending)
        write_values(cls, [r.id for r in reminders], {'state': 'sent'})

    @classmethod
    def claim_ids(cls, reminders):
        """Return by reminder id the (company id, dunning id, invoice id) of
        each of its claims, in order, read in one query a thousand
        letters"""
        pool = Pool()
        Dunning = pool.get('account.dunning')
        Line = pool.get('kontingent.reminder.line')
        line = Line.__table__()
        dunning = Dunning.__table__()
        cursor = Transaction().connection.cursor()
        claims = {r.id: [] for r in reminders}
        for sub_ids in grouped_slice(list(claims), backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.join(dunning,
                    condition=line.dunning == dunning.id
                    ).select(line.reminder, dunning.company, line.dunning,
                    line.invoice,
                    where=fields.SQL_OPERATORS['in'](
                        line.reminder, list(sub_ids)),
                    order_by=[line.id.asc]))
            for reminder_id, *claim in cursor:
                claims[reminder_id].append(tuple(claim))
        return claims

    def billed_memberships(self):
        "The memberships billed on the letter's claims"
        return list({line.kontingent_membership
                for claim in self.lines if claim.invoice
                for line in claim.invoice.lines
                if line.kontingent_membership})

    def hand_over_rows(self):
        party = self.party
        address = party.address_get(type='invoice')
        for line in self.lines:
            invoice = line.invoice
            yield {
                'recipient': self.kind,
                'unit': self.unit.rec_name if self.unit else '',
                'member_number': party.member_number or '',
                'name': party.name,
                'street': (address.street or '') if address else '',
                'postal_code': (address.postal_code or '') if address else '',
                'city': (address.city or '') if address else '',
                'country': (address.country.code
                    if address and address.country else ''),
                'invoice': invoice.number if invoice else '',
                'kid': invoice.kontingent_kid if invoice else '',
                'invoice_date': (invoice.invoice_date.isoformat()
                    if invoice else ''),
                'due_date': line.maturity_date.isoformat()
                if line.maturity_date else '',
                'amount': str(line.amount),
                'fees': str(sum((f.amount for f in line.dunning.fees),
                            Decimal(0))),
                'currency': self.currency.code,
                }

    @classmethod
    def reactivate_paid(cls, invoices):
        """Reactivate the memberships a reminder suspended once every claim
        of the reminder is paid"""
        pool = Pool()
        Line = pool.get('kontingent.reminder.line')
        Membership = pool.get('kontingent.membership')
        lines = Line.search([
                ('invoice', 'in', [i.id for i in invoices]),
                ('reminder.suspended', '!=', None),
                ])
        to_activate = set()
        for reminder in {l.reminder for l in lines}:
            if all(l.invoice and l.invoice.state == 'paid'
                    for l in reminder.lines):
                to_activate.update(m for m in reminder.suspended
                    if m.state == 'suspended')
        if to_activate:
            with Transaction().set_context(kontingent_skip_billing=True):
                Membership.activate(list(to_activate))


class ReminderLine(ModelSQL, ModelView):
    "Reminder Claim"
    __name__ = 'kontingent.reminder.line'

    reminder = fields.Many2One(
        'kontingent.reminder', "Reminder", required=True, readonly=True,
        ondelete='CASCADE')
    dunning = fields.Many2One(
        'account.dunning', "Dunning", required=True, readonly=True,
        ondelete='RESTRICT')
    invoice = fields.Many2One('account.invoice', "Invoice", readonly=True)
    kid = fields.Function(fields.Char("KID"), 'get_invoice_field')
    level = fields.Many2One(
        'account.dunning.level', "Level", required=True, readonly=True)
    maturity_date = fields.Date("Due Date", readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'get_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        readonly=True)

    def get_invoice_field(self, name):
        if self.invoice:
            return self.invoice.kontingent_kid

    def get_currency(self, name):
        return self.reminder.currency.id


class ReminderMembership(ModelSQL):
    "Membership Suspended by a Reminder"
    __name__ = 'kontingent.reminder-kontingent.membership'

    reminder = fields.Many2One(
        'kontingent.reminder', "Reminder", required=True,
        ondelete='CASCADE')
    membership = fields.Many2One(
        'kontingent.membership', "Membership", required=True,
        ondelete='CASCADE')
