# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
from collections import defaultdict
from decimal import Decimal
from itertools import groupby

from sql import Null
from sql.aggregate import Count, Sum
from sql.conditionals import Coalesce

from trytond import backend
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import BillingError, PriceError
from .posting import (
    insert_rows, post_claims, save_claims, update_rows, update_values)

# Lines billed per transaction: a few hundred keeps Tryton's prefetch cheap
# and a crash costs little work; one payer's claims never straddle a batch.
BATCH_SIZE = 250
# The ir.queue of billing batches: a worker started with --name for it
# bills without waiting behind the rendering of invoice documents
QUEUE = 'kontingent_billing'
# Memberships priced between two writes of billing lines
CALCULATE_SIZE = 200
# Memberships a queued task calculates: runs of more are calculated in
# parts, by as many workers as there are
CALCULATE_PART_SIZE = 2000

STATES = {
    'readonly': Eval('state') != 'draft',
    }


def in_batches(rows, size=None):
    """Yield lists of the ids of about size lines, from rows of line id,
    payee and payer in that order, keeping each payer's lines of one payee
    together so that the payer gets one invoice"""
    size = size or BATCH_SIZE
    batch = []
    for _, group in groupby(rows, key=lambda r: r[1:]):
        group = [r[0] for r in group]
        if batch and len(batch) + len(group) > size:
            yield batch
            batch = []
        batch.extend(group)
    if batch:
        yield batch


class BillingRun(Workflow, ModelSQL, ModelView):
    "Billing Run"
    __name__ = 'kontingent.billing.run'

    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT',
        states=STATES)
    unit = fields.Many2One(
        'kontingent.unit', "Unit", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states=STATES,
        help="Bills the memberships of this unit and the units below it; "
        "leave empty for every unit of the company.")
    kind = fields.Selection([
            ('periodic', "Periodic"),
            ('activation', "New Members"),
            ], "Kind", required=True, readonly=True)
    billing_date = fields.Date(
        "Period Date", required=True, states=STATES,
        help="Bills the dues periods that hold this date: "
        "1 January 2027 bills 2027 for yearly dues.")
    invoice_date = fields.Date("Invoice Date", required=True, states=STATES)
    due_date = fields.Date(
        "Due Date", required=True, states=STATES,
        domain=[
            If(Eval('due_date') & Eval('invoice_date'),
                ('due_date', '>=', Eval('invoice_date')),
                ()),
            ])
    previous_run = fields.Many2One(
        'kontingent.billing.run', "Previous Run", readonly=True,
        help="The last confirmed run of the same unit, "
        "to which the changes compare.")
    lines = fields.One2Many(
        'kontingent.billing.line', 'run', "Lines",
        states={
            'readonly': Eval('state') != 'calculated',
            })
    figures = fields.One2Many(
        'kontingent.billing.figure', 'run', "Key Figures", readonly=True)
    changes = fields.One2Many(
        'kontingent.billing.change', 'run', "Changes", readonly=True)
    invoices = fields.One2Many(
        'account.invoice', 'kontingent_billing_run', "Invoices",
        readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    members = fields.Function(fields.Integer("Members"), 'get_counts')
    total_amount = fields.Function(
        fields.Numeric("Total", digits='currency'), 'get_counts')
    errors = fields.Function(fields.Integer("Errors"), 'get_counts')
    lines_done = fields.Function(fields.Integer("Billed"), 'get_counts')
    progress = fields.Function(
        fields.Float("Progress", digits=(1, 4)), 'get_counts')
    memberships_to_calculate = fields.Integer(
        "Memberships to Calculate", readonly=True,
        states={
            'invisible': Eval('state') != 'calculating',
            },
        help="The memberships found when the run was calculated in parts "
        "by the workers.")
    state = fields.Selection([
            ('draft', "Draft"),
            ('calculating', "Calculating"),
            ('calculated', "Calculated"),
            ('processing', "Processing"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('billing_date', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'calculated'),
            ('calculated', 'calculated'),
            ('calculating', 'calculated'),
            ('calculating', 'cancelled'),
            ('calculated', 'processing'),
            ('processing', 'processing'),
            ('processing', 'done'),
            ('draft', 'cancelled'),
            ('calculated', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'calculate': {
                    'invisible': ~Eval('state').in_(['draft', 'calculated']),
                    'icon': 'tryton-refresh',
                    'depends': ['state'],
                    },
                'confirm': {
                    'invisible': ~Eval('state').in_(
                        ['calculated', 'processing']),
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'calculating', 'calculated']),
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
    def default_kind():
        return 'periodic'

    @staticmethod
    def default_state():
        return 'draft'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('unit', 'invoice_date', 'due_date')
    def on_change_invoice_date(self):
        payee = self.unit.payee if self.unit else None
        if self.invoice_date and payee and not self.due_date:
            self.due_date = self.invoice_date + datetime.timedelta(
                days=payee.days_to_pay)

    def get_rec_name(self, name):
        return gettext('kontingent.msg_billing_run_name',
            unit=self.unit.rec_name if self.unit else self.company.rec_name,
            date=self.billing_date)

    @classmethod
    def get_counts(cls, runs, names):
        pool = Pool()
        Line = pool.get('kontingent.billing.line')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        counts = defaultdict(lambda: defaultdict(int))
        amounts = defaultdict(Decimal)
        for sub_ids in grouped_slice(
                [r.id for r in runs], backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.select(
                    line.run, line.state, Count(line.id),
                    Coalesce(Sum(line.amount), 0),
                    where=fields.SQL_OPERATORS['in'](line.run, list(sub_ids)),
                    group_by=[line.run, line.state]))
            for run_id, state, count, amount in cursor:
                counts[run_id][state] = count
                if state in {'to_bill', 'billed'}:
                    amounts[run_id] += Decimal(str(amount or 0))
        result = {name: {} for name in names}
        for run in runs:
            state_counts = counts[run.id]
            billable = state_counts['to_bill'] + state_counts['billed']
            if run.state == 'calculating':
                calculated = sum(state_counts.values())
                progress = (calculated / run.memberships_to_calculate
                    if run.memberships_to_calculate else 0.0)
            else:
                progress = (state_counts['billed'] / billable
                    if billable else 0.0)
            values = {
                'members': billable,
                'total_amount': run.currency.round(amounts[run.id])
                if run.currency else amounts[run.id],
                'errors': state_counts['error'],
                'lines_done': state_counts['billed'],
                'progress': progress,
                }
            for name in names:
                result[name][run.id] = values[name]
        return result

    @classmethod
    def copy(cls, runs, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('lines')
        default.setdefault('figures')
        default.setdefault('changes')
        default.setdefault('invoices')
        default.setdefault('previous_run')
        return super().copy(runs, default=default)

    @classmethod
    def check_modification(cls, mode, runs, values=None, external=False):
        super().check_modification(
            mode, runs, values=values, external=external)
        if mode == 'delete':
            for run in runs:
                if run.state not in {'draft', 'cancelled'}:
                    raise BillingError(gettext(
                            'kontingent.msg_billing_run_delete',
                            run=run.rec_name))

    def overlaps(self, other):
        "Tell if the two runs may bill the same memberships"
        if self.company != other.company:
            return False
        if not self.unit or not other.unit:
            return True
        return (self.unit in other.unit.lineage
            or other.unit in self.unit.lineage)

    def check_no_open_run(self):
        """Refuse a second open periodic run on the same memberships: the
        database refuses to bill a period twice, staff should not have to
        meet that refusal line by line"""
        if self.kind != 'periodic':
            return
        if backend.name != 'sqlite':
            self.__class__.lock()
        for other in self.search([
                    ('company', '=', self.company.id),
                    ('kind', '=', 'periodic'),
                    ('state', 'in',
                        ['calculating', 'calculated', 'processing']),
                    ('id', '!=', self.id),
                    ]):
            if self.overlaps(other):
                raise BillingError(gettext(
                        'kontingent.msg_billing_run_open',
                        run=self.rec_name, other=other.rec_name))

    def membership_domain(self):
        domain = [
            ('unit.company', '=', self.company.id),
            ('state', '=', 'active'),
            ('start_date', '<=', self.billing_date),
            ['OR',
                ('end_date', '=', None),
                ('end_date', '>=', self.billing_date),
                ],
            ]
        if self.unit:
            domain.append(('unit', 'child_of', [self.unit.id], 'parent'))
        return domain

    @classmethod
    @ModelView.button
    @Workflow.transition('calculated')
    def calculate(cls, runs):
        """Calculate the runs; those of more than CALCULATE_PART_SIZE
        memberships are calculated in parts, a queued task each, and stay
        calculating until the last part is done"""
        pool = Pool()
        Line = pool.get('kontingent.billing.line')
        Membership = pool.get('kontingent.membership')
        for run in runs:
            run.check_no_open_run()
            if run.parts_to_calculate():
                raise BillingError(gettext(
                        'kontingent.msg_billing_run_parts_pending',
                        run=run.rec_name))
            memberships = Membership.search(
                run.membership_domain(), order=[('id', 'ASC')])
            if len(memberships) <= CALCULATE_PART_SIZE:
                run.calculate_lines(memberships)
                continue
            Line.delete(Line.search([('run', '=', run.id)]))
            run.state = 'calculating'
            run.memberships_to_calculate = len(memberships)
            run.save()
            with Transaction().set_context(queue_name=QUEUE):
                for part in grouped_slice(
                        [m.id for m in memberships], CALCULATE_PART_SIZE):
                    cls.__queue__.calculate_part([run], list(part))

    def calculate_lines(self, memberships, progress=None):
        """Replace the lines by one per membership to bill, and work out
        the key figures and the changes since the previous run"""
        Line = Pool().get('kontingent.billing.line')
        Line.delete(Line.search([('run', '=', self.id)]))
        self.add_lines(memberships, progress)
        self.update_figures()

    def add_lines(self, memberships, progress=None):
        "Add the line of each of memberships"
        pool = Pool()
        Line = pool.get('kontingent.billing.line')
        Item = pool.get('kontingent.billing.item')
        Membership = pool.get('kontingent.membership')
        memo = {}
        with Transaction().set_context(
                company=self.company.id, _check_access=False):
            for sub_ids in grouped_slice(
                    [m.id for m in memberships], CALCULATE_SIZE):
                batch = Membership.browse(list(sub_ids))
                billed = Line.billed_claims(batch)
                lines, items = zip(*(
                        Line.values_for(self, membership, billed, memo)
                        for membership in batch))
                # The values come from validated records: inserted as
                # they are, without the ORM's checks of each field
                line_ids = insert_rows(Line, lines)
                insert_rows(Item, [dict(item, line=line_id)
                        for line_id, line_items in zip(line_ids, items)
                        for item in line_items])
                if progress:
                    progress(len(batch))

    @classmethod
    def calculate_part(cls, runs, membership_ids):
        """Add the lines of one part of a run calculating, then queue the
        check that ends the calculation after the last part

        A part run again adds only the lines still missing, and none for a
        membership no longer to bill."""
        pool = Pool()
        Line = pool.get('kontingent.billing.line')
        Membership = pool.get('kontingent.membership')
        run, = runs
        if run.state != 'calculating':
            return
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        calculated = set()
        for sub_ids in grouped_slice(
                membership_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.select(line.membership,
                    where=(line.run == run.id)
                    & fields.SQL_OPERATORS['in'](line.membership,
                        list(sub_ids))))
            calculated.update(m for m, in cursor)
        run.add_lines(Membership.search(run.membership_domain() + [
                    ('id', 'in',
                        [i for i in membership_ids if i not in calculated]),
                    ], order=[('id', 'ASC')]))
        with Transaction().set_context(queue_name=QUEUE):
            cls.__queue__.end_calculation(runs)

    @classmethod
    def end_calculation(cls, runs):
        """Work out the key figures and changes of the runs calculating
        whose every part is done, and put them in calculated"""
        # The last two parts may end at once: one of them ends the run
        cls.lock(runs)
        for run in cls.browse(runs):
            if run.state == 'calculating' and not run.parts_to_calculate():
                run.update_figures()
                run.state = 'calculated'
                run.save()

    def parts_to_calculate(self):
        "Return the queued tasks of the parts of the run not done yet"
        Queue = Pool().get('ir.queue')
        return [t for t in Queue.search([
                    ('name', '=', QUEUE),
                    ('finished_at', '=', None),
                    ])
            if t.data['model'] == self.__name__
            and t.data['method'] == 'calculate_part'
            and self.id in t.data['instances']]

    def update_figures(self):
        pool = Pool()
        Figure = pool.get('kontingent.billing.figure')
        Change = pool.get('kontingent.billing.change')
        Figure.delete(Figure.search([('run', '=', self.id)]))
        Change.delete(Change.search([('run', '=', self.id)]))
        Figure.create(Figure.compute(self))
        previous = self.find_previous_run()
        self.previous_run = previous
        self.save()
        if previous:
            Change.create(Change.compute(self, previous))

    def find_previous_run(self):
        runs = self.search([
                ('company', '=', self.company.id),
                ('unit', '=', self.unit.id if self.unit else None),
                ('kind', '=', 'periodic'),
                ('state', '=', 'done'),
                ('billing_date', '<', self.billing_date),
                ('id', '!=', self.id),
                ], order=[('billing_date', 'DESC'), ('id', 'DESC')], limit=1)
        return runs[0] if runs else None

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, runs):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, runs):
        pass

    @classmethod
    @ModelView.button
    def confirm(cls, runs):
        """Bill the lines in batches, one ir.queue task each, by as many
        workers as there are; confirming a run that stopped half-way bills
        exactly the lines still to bill"""
        runs = cls.start_processing(runs)
        cls.finish(runs)
        with Transaction().set_context(queue_name=QUEUE):
            for run in runs:
                if run.state != 'processing':
                    continue
                for line_ids in in_batches(run.lines_to_bill()):
                    cls.__queue__.make_claims([run], line_ids)
                # What a stopped run claimed but did not post
                cls.__queue__.post_claims([run])

    @classmethod
    def make_claims(cls, runs, line_ids):
        "Make the draft claims of the lines and queue their posting"
        Line = Pool().get('kontingent.billing.line')
        Line.make_claims(Line.browse(line_ids))
        # Also when every line was refused: posting ends the run
        with Transaction().set_context(queue_name=QUEUE):
            cls.__queue__.post_claims(runs)

    @classmethod
    def post_claims(cls, runs):
        """Number and post the claims made for the runs and mark done the
        runs with nothing left to bill

        The gapless invoice and move numbers of a fiscal year take one
        writer at a time: the claims are made by many transactions at once,
        and numbered and posted by one at a time, with a few updates.
        """
        Line = Pool().get('kontingent.billing.line')
        for run in runs:
            if run.state == 'processing':
                Line.post_claims(run)
        cls.finish(runs)

    @classmethod
    def start_processing(cls, runs):
        "Put the runs in processing and return them"
        runs = [r for r in runs if r.state in {'calculated', 'processing'}]
        for run in runs:
            if run.state == 'calculated':
                run.check_no_open_run()
        cls.write(runs, {'state': 'processing'})
        return runs

    def lines_to_bill(self):
        """Return the rows of id, payee and payer of the lines to bill that
        have no claim yet, each payer's lines of one payee together"""
        pool = Pool()
        Line = pool.get('kontingent.billing.line')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*line.select(line.id, line.payee, line.payer,
                where=(line.run == self.id) & (line.state == 'to_bill')
                & (line.invoice == Null),
                order_by=[line.payee.asc, line.payer.asc, line.id.asc]))
        return cursor.fetchall()

    def batches(self):
        "Return the lines to bill in batches of about BATCH_SIZE"
        Line = Pool().get('kontingent.billing.line')
        return [Line.browse(ids) for ids in in_batches(self.lines_to_bill())]

    @classmethod
    def finish(cls, runs):
        "Mark done the processing runs that have nothing left to bill"
        pool = Pool()
        Line = pool.get('kontingent.billing.line')
        finished = [r for r in runs if r.state == 'processing'
            and not Line.search([
                    ('run', '=', r.id),
                    ('state', '=', 'to_bill'),
                    ], limit=1)]
        if finished:
            cls.write(finished, {'state': 'done'})

    def billing_context(self):
        """The context of billing the run: records read in it see the
        company's accounts and prices; post() adds warnings for staff about
        taxes, dates and similar invoices, which the run has settled for
        every line"""
        return Transaction().set_context(
            company=self.company.id, _check_access=False,
            _skip_warnings=True)

    def lock_sequences(self, payees):
        """Lock the sequences that number the run's invoices and moves
        before any work: Tryton restarts a transaction that asks for a lock
        late, and the work done until then is lost"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Period = pool.get('account.period')
        SequenceStrict = pool.get('ir.sequence.strict')
        period = Period.find(self.company, date=self.invoice_date)
        sequences = {period.move_sequence_used}
        for payee in payees:
            invoice = Invoice(
                company=self.company, type='out',
                invoice_date=self.invoice_date, accounting_date=None,
                sequence_type_cache='invoice',
                kontingent_unit=payee)
            sequence, _ = invoice._number_sequence()
            sequences.add(sequence)
        SequenceStrict.lock(list(sequences))

    def invoice_for(self, lines, accounts, languages=None):
        """Return the invoice of one payer for the billing lines; accounts
        keeps the journals and the accounts and taxes of the products for
        the next ones, and may hold the payer's receivable account;
        languages may hold the payer's language"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        Journal = pool.get('account.journal')
        Lang = pool.get('ir.lang')
        payer, payee = lines[0].payer, lines[0].payee
        if payee not in accounts:
            journal = payee.journal
            if not journal:
                journal, = Journal.search([('type', '=', 'revenue')], limit=1)
            accounts[payee] = journal
        if languages is not None and payer in languages:
            lang = languages[payer]
        else:
            lang = payer.lang
        lang = Lang.get(lang.code if lang else None)
        invoice = Invoice(
            company=self.company, type='out', party=payer,
            payment_term_date=self.due_date,
            invoice_address=payer.address_get('invoice'),
            currency=self.company.currency, journal=accounts[payee],
            account=accounts.get(payer) or payer.account_receivable_used,
            payment_term=None,
            invoice_date=self.invoice_date, accounting_date=None,
            number=None, description=None,
            kontingent_unit=payee, kontingent_kid=None, state='draft',
            kontingent_billing_run=self)
        invoice_lines = []
        for line in lines:
            for item in line.items:
                product = item.product
                if product not in accounts:
                    accounts[product] = (
                        product.account_revenue_used,
                        product.customer_taxes_used,
                        product.rec_name)
                revenue, taxes, product_name = accounts[product]
                invoice_lines.append(InvoiceLine(
                        company=self.company, currency=self.company.currency,
                        type='line', product=product,
                        description=', '.join([
                                product_name, line.member.rec_name,
                                lang.strftime(item.period_start) + ' – '
                                + lang.strftime(item.period_end)]),
                        quantity=1, unit=product.default_uom,
                        unit_price=item.amount,
                        account=revenue, taxes=taxes,
                        kontingent_member=line.member,
                        kontingent_membership=line.membership,
                        kontingent_billed_membership=line.membership,
                        kontingent_period_start=item.period_start,
                        kontingent_period_end=item.period_end,
                        kontingent_trace=item.trace))
        invoice.lines = invoice_lines
        return invoice

    @staticmethod
    def payer_languages(payers):
        """Return the language of each payer as its lang field gives it,
        reading them all at once"""
        pool = Pool()
        Lang = pool.get('ir.lang')
        Party = pool.get('party.party')
        PartyLang = pool.get('party.party.lang')
        languages = {}
        for sub in grouped_slice(payers, backend.MAX_QUERY_PARAMS):
            for value in PartyLang.search([
                        ('party', 'in', [p.id for p in sub]),
                        ], order=[('id', 'ASC')]):
                languages.setdefault(value.party, value.lang)
        default = Party.default_lang()
        default = Lang(default) if default else None
        return {p: languages.get(p, default) for p in payers}

    def receivable_accounts(self, payers):
        """Return the receivable account of each payer as
        account_receivable_used gives it, reading them all at once; the
        payers without one are left out"""
        pool = Pool()
        Configuration = pool.get('account.configuration')
        PartyAccount = pool.get('party.party.account')
        own, shared = {}, {}
        for sub in grouped_slice(payers, backend.MAX_QUERY_PARAMS // 2):
            for value in PartyAccount.search([
                        ('party', 'in', [p.id for p in sub]),
                        ('company', 'in', [self.company.id, None]),
                        ('account_receivable', '!=', None),
                        ], order=[('id', 'ASC')]):
                found = own if value.company else shared
                found.setdefault(value.party, value.account_receivable)
        default = Configuration(1).get_multivalue(
            'default_account_receivable', company=self.company.id)
        current = {}
        receivables = {}
        for payer in payers:
            account = own.get(payer) or shared.get(payer) or default
            if account:
                if account not in current:
                    current[account] = account.current()
                receivables[payer] = current[account]
        return receivables

    @classmethod
    def bill_new_memberships(cls, memberships, date):
        """Bill at once the periods holding date (or their start, if later)
        of memberships just activated, one run per company"""
        pool = Pool()
        Line = pool.get('kontingent.billing.line')
        by_company = defaultdict(list)
        for membership in memberships:
            by_company[membership.unit.company].append(membership)
        for company, company_memberships in by_company.items():
            for billing_date, dated in groupby(
                    sorted(company_memberships,
                        key=lambda m: max(date, m.start_date)),
                    key=lambda m: max(date, m.start_date)):
                dated = list(dated)
                days_to_pay = max(
                    (m.unit.payee.days_to_pay for m in dated
                        if m.unit.payee), default=14)
                run = cls(
                    company=company, kind='activation',
                    unit=dated[0].unit if len(
                        {m.unit for m in dated}) == 1 else None,
                    billing_date=billing_date, invoice_date=date,
                    due_date=date + datetime.timedelta(days=days_to_pay),
                    state='calculated')
                run.save()
                run.calculate_lines(dated)
                cls.start_processing([run])
                for batch in run.batches():
                    Line.bill(batch)
                cls.finish([run])


class BillingLine(ModelSQL, ModelView):
    "Billing Line"
    __name__ = 'kontingent.billing.line'

    run = fields.Many2One(
        'kontingent.billing.run', "Run", required=True, ondelete='CASCADE',
        readonly=True)
    membership = fields.Many2One(
        'kontingent.membership', "Membership", required=True,
        ondelete='RESTRICT', readonly=True)
    member = fields.Many2One(
        'party.party', "Member", required=True, ondelete='RESTRICT',
        readonly=True)
    payer = fields.Many2One(
        'party.party', "Payer", required=True, ondelete='RESTRICT',
        readonly=True)
    unit = fields.Many2One(
        'kontingent.unit', "Unit", required=True, ondelete='RESTRICT',
        readonly=True)
    payee = fields.Many2One(
        'kontingent.unit', "Payee", ondelete='RESTRICT', readonly=True)
    delivery_channel = fields.Char("Delivery Channel", readonly=True)
    amount = fields.Numeric(
        "Amount", digits=(16, 2), readonly=True)
    trace = fields.Text("Price Explanation", readonly=True)
    items = fields.One2Many(
        'kontingent.billing.item', 'line', "Items", readonly=True)
    state = fields.Selection([
            ('to_bill', "To Bill"),
            ('excluded', "Excluded"),
            ('error', "Error"),
            ('billed', "Billed"),
            ], "State", required=True, readonly=True, sort=False)
    message = fields.Char("Message", readonly=True)
    invoice = fields.Many2One(
        'account.invoice', "Invoice", readonly=True, ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('run')
        cls._order = [
            ('payee', 'ASC'),
            ('payer', 'ASC'),
            ('id', 'ASC'),
            ]
        table = cls.__table__()
        # Confirming reads the lines to bill in this order, and every
        # posting task finds a run's claimed lines among those to bill
        cls._sql_indexes.add(Index(table,
                (table.run, Index.Equality()),
                (table.payee, Index.Range()),
                (table.payer, Index.Range()),
                (table.id, Index.Range()),
                where=table.state == 'to_bill'))
        cls._buttons.update({
                'exclude': {
                    'invisible': Eval('state') != 'to_bill',
                    'depends': ['state'],
                    },
                'include': {
                    'invisible': Eval('state') != 'excluded',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        "Lines come from calculating the run; staff exclude them instead"
        super().check_modification(
            mode, lines, values=values, external=external)
        if external and mode in {'create', 'delete'}:
            raise BillingError(gettext(
                    'kontingent.msg_billing_line_calculated_only'))

    @classmethod
    def billed_claims(cls, memberships):
        """Return the invoice line holding each claim (membership id,
        product id, period start) of memberships"""
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        claims = {}
        for sub in grouped_slice(memberships, backend.MAX_QUERY_PARAMS):
            for line in InvoiceLine.search([
                        ('kontingent_billed_membership', 'in',
                            [m.id for m in sub]),
                        ]):
                claims[(line.kontingent_billed_membership.id,
                        line.product.id,
                        line.kontingent_period_start)] = line
        return claims

    @classmethod
    def values_for(cls, run, membership, billed, memo):
        """Return the values of the line billing membership in run, with
        the reason when it can not be billed, and those of its items"""
        party = membership.party
        payer = membership.payer or party.member_payer or party
        payee = membership.unit.payee
        values = {
            'run': run.id,
            'membership': membership.id,
            'member': party.id,
            'payer': payer.id,
            'unit': membership.unit.id,
            'payee': payee.id if payee else None,
            'delivery_channel': party.delivery_channel,
            'state': 'to_bill',
            }
        try:
            price_lines = membership.get_price_lines(run.billing_date, memo)
        except PriceError as exception:
            values.update(state='error', message=exception.message)
            return values, []
        unbilled, billed_lines = [], []
        for price_line in price_lines:
            invoice_line = billed.get((
                    membership.id, price_line.product.id,
                    price_line.period_start))
            if invoice_line:
                billed_lines.append(invoice_line)
            else:
                unbilled.append(price_line)
        values['amount'] = sum(
            (l.amount for l in unbilled), Decimal(0))
        traces = [price_trace(membership, l, memo) for l in price_lines]
        values['trace'] = '\n'.join(traces)
        items = [{
                'product': l.product.id,
                'period_start': l.period_start,
                'period_end': l.period_end,
                'amount': l.amount,
                'price_basis': price_basis(l.steps),
                'trace': trace,
                } for l, trace in zip(price_lines, traces) if l in unbilled]
        message = cls.check_billable(
            membership, payer, payee, price_lines, unbilled, billed_lines,
            memo)
        if message:
            values.update(state='error', message=message)
        elif not values['amount']:
            values.update(state='excluded', message=gettext(
                    'kontingent.msg_billing_line_nothing_to_pay'))
        return values, items

    @classmethod
    def check_billable(
            cls, membership, payer, payee, price_lines, unbilled,
            billed_lines, memo):
        "Return why the claim can not be billed, or None"
        pool = Pool()
        Configuration = pool.get('account.configuration')
        if not price_lines:
            return gettext('kontingent.msg_billing_line_not_active')
        if not unbilled:
            return already_billed_message(billed_lines)
        if not payee:
            return gettext('kontingent.msg_billing_line_no_kid_scheme',
                unit=membership.unit.rec_name)
        if not payer.addresses:
            return gettext('kontingent.msg_billing_line_no_address',
                payer=payer.rec_name)
        if 'default_receivable' not in memo:
            memo['default_receivable'] = Configuration(1).get_multivalue(
                'default_account_receivable',
                company=membership.unit.company.id)
        # Reading each payer's company-dependent account costs a query
        if not memo['default_receivable']:
            try:
                payer.account_receivable_used
            except UserError as exception:
                return exception.message
        for price_line in unbilled:
            key = ('revenue', price_line.product.id)
            if key not in memo:
                try:
                    price_line.product.account_revenue_used
                except UserError as exception:
                    memo[key] = exception.message
                else:
                    memo[key] = None
            if memo[key]:
                return memo[key]

    @classmethod
    @ModelView.button
    def exclude(cls, lines):
        cls._set_excluded(lines, 'to_bill', 'excluded')

    @classmethod
    @ModelView.button
    def include(cls, lines):
        cls._set_excluded(lines, 'excluded', 'to_bill')

    @classmethod
    def _set_excluded(cls, lines, from_state, to_state):
        for line in lines:
            if line.run.state != 'calculated':
                raise BillingError(gettext(
                        'kontingent.msg_billing_line_run_not_calculated',
                        run=line.run.rec_name))
        lines = [l for l in lines if l.state == from_state
            and (to_state != 'to_bill' or l.amount)]
        cls.write(lines, {'state': to_state, 'message': None})
        for run in {l.run for l in lines}:
            run.update_figures()

    @classmethod
    def bill(cls, lines):
        """Make and post one invoice per payer and payee for the lines
        still to bill, in one transaction; return the invoices posted"""
        Run = Pool().get('kontingent.billing.run')
        if not lines:
            return []
        run = lines[0].run
        cls.make_claims(lines, lock_sequences=True)
        invoices = cls.post_claims(run)
        Run.finish([run])
        return invoices

    @classmethod
    def make_claims(cls, lines, lock_sequences=False):
        """Make the draft invoice of each payer and payee for the lines
        still to bill without one; return the lines claimed

        Lines billed meanwhile by a resumed run are skipped: the row lock
        keeps two workers apart, the unique claim index keeps two runs
        apart.  With lock_sequences, the transaction takes the locks that
        posting the claims needs first.
        """
        pool = Pool()
        Run = pool.get('kontingent.billing.run')
        Invoice = pool.get('account.invoice')
        if not lines:
            return []
        if backend.name != 'sqlite':
            cls.lock(lines)
        run = Run(cls.read([lines[0].id], ['run'])[0]['run'])
        with run.billing_context():
            lines = [l for l in cls.browse([l.id for l in lines])
                if l.state == 'to_bill' and not l.invoice
                and l.run.state == 'processing']
            if not lines:
                return []
            run = lines[0].run
            if lock_sequences:
                run.lock_sequences({l.payee for l in lines})
            lines = cls.refuse_billed(lines)
            groups = [list(g) for _, g in groupby(
                    lines, key=lambda l: (l.payee.id, l.payer.id))]
            payers = {l.payer for l in lines}
            accounts = run.receivable_accounts(payers)
            languages = run.payer_languages(payers)
            invoices = [run.invoice_for(group, accounts, languages)
                for group in groups]
            Invoice.set_kontingent_kid(invoices)
            invoice_ids = save_claims(invoices)
            update_rows(cls, 'invoice', {
                    line.id: invoice_id
                    for invoice_id, group in zip(invoice_ids, groups)
                    for line in group})
        return lines

    @classmethod
    def post_claims(cls, run):
        """Number and post the claims made for the run's lines and mark
        the lines billed; return the invoices"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Unit = pool.get('kontingent.unit')
        line = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*line.select(line.id, line.invoice, line.payee,
                where=(line.run == run.id) & (line.state == 'to_bill')
                & (line.invoice != Null)))
        rows = cursor.fetchall()
        if not rows:
            return []
        with run.billing_context():
            run.lock_sequences(
                {Unit(r[2]) if r[2] is not None else None for r in rows})
            invoices = Invoice.browse(sorted({r[1] for r in rows}))
            post_claims(invoices)
            update_values(cls, dict.fromkeys((r[0] for r in rows), {}),
                state='billed')
        return invoices

    @classmethod
    def refuse_billed(cls, lines):
        "Put in error the lines billed by another run and return the others"
        billed = cls.billed_claims([l.membership for l in lines])
        to_bill, refused = [], []
        for line in lines:
            invoice_lines = [billed[k] for k in (
                    (line.membership.id, i.product.id, i.period_start)
                    for i in line.items) if k in billed]
            if invoice_lines:
                line.state = 'error'
                line.message = already_billed_message(invoice_lines)
                refused.append(line)
            else:
                to_bill.append(line)
        cls.save(refused)
        return to_bill


def already_billed_message(invoice_lines):
    return gettext('kontingent.msg_billing_line_already_billed',
        periods=', '.join(sorted({
                    f'{l.kontingent_period_start} – {l.kontingent_period_end}'
                    for l in invoice_lines})),
        invoice=invoice_lines[0].invoice.rec_name)


def price_trace(membership, price_line, memo):
    """Return the price explanation of price_line, written once for all
    the claims priced alike"""
    key = ('trace', membership.currency.id, price_line.product.id,
        price_line.period_start, price_line.period_end, price_line.amount,
        tuple((s.reason, s.rule, tuple(sorted(s.values.items())))
            for s in price_line.steps))
    if key not in memo:
        memo[key] = membership.explain_price([price_line])
    return memo[key]


def price_basis(steps):
    "Name the price rule that set the price, or the list price"
    for step in steps:
        if step.reason.startswith('rule_applied_'):
            return step.rule
        if step.reason == 'member_free':
            return gettext('kontingent.msg_billing_basis_free')
    return gettext('kontingent.msg_billing_basis_list_price')


class BillingItem(ModelSQL, ModelView):
    "Billing Item"
    __name__ = 'kontingent.billing.item'

    line = fields.Many2One(
        'kontingent.billing.line', "Line", required=True, ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='RESTRICT')
    period_start = fields.Date("Period Start", required=True)
    period_end = fields.Date("Period End", required=True)
    amount = fields.Numeric("Amount", digits=(16, 2), required=True)
    price_basis = fields.Char("Price Basis")
    trace = fields.Text("Price Explanation")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('line')


class BillingFigure(ModelSQL, ModelView):
    "Billing Key Figure"
    __name__ = 'kontingent.billing.figure'

    run = fields.Many2One(
        'kontingent.billing.run', "Run", required=True, ondelete='CASCADE')
    kind = fields.Selection([
            ('total', "Total"),
            ('product', "Membership Type / Add-on"),
            ('rule', "Price Rule"),
            ('unit', "Unit"),
            ('channel', "Delivery Channel"),
            ], "Kind", required=True, sort=False)
    name = fields.Char("Name", required=True)
    members = fields.Integer("Members")
    amount = fields.Numeric("Amount", digits=(16, 2))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('run')
        cls._order = [
            ('run', 'ASC'),
            ('kind', 'ASC'),
            ('amount', 'DESC'),
            ('id', 'ASC'),
            ]

    @classmethod
    def compute(cls, run):
        """Return the values of the key figures of the run's lines to bill,
        summed by the database: a run has tens of thousands of lines"""
        pool = Pool()
        Line = pool.get('kontingent.billing.line')
        Item = pool.get('kontingent.billing.item')
        Party = pool.get('party.party')
        Product = pool.get('product.product')
        Unit = pool.get('kontingent.unit')
        line = Line.__table__()
        item = Item.__table__()
        cursor = Transaction().connection.cursor()
        billable = (line.run == run.id) & line.state.in_(['to_bill', 'billed'])
        channels = dict(Party.fields_get(
                ['delivery_channel'])['delivery_channel']['selection'])

        def sums(query_from, key):
            cursor.execute(*query_from.select(
                    key, Count(line.member, distinct=True),
                    Coalesce(Sum(
                            item.amount if query_from is not line
                            else line.amount), 0),
                    where=billable, group_by=[key]))
            return [(k, n, Decimal(str(a))) for k, n, a in cursor]

        with_items = line.join(item, condition=item.line == line.id)
        figures = []
        for _, members, amount in sums(line, line.run):
            figures.append(('total',
                    gettext('kontingent.msg_billing_figure_total'),
                    members, amount))
        for unit_id, members, amount in sums(line, line.unit):
            figures.append(('unit', Unit(unit_id).rec_name, members, amount))
        for channel, members, amount in sums(line, line.delivery_channel):
            figures.append(('channel', channels.get(channel) or gettext(
                        'kontingent.msg_billing_figure_no_channel'),
                    members, amount))
        for product_id, members, amount in sums(with_items, item.product):
            figures.append(('product', Product(product_id).rec_name,
                    members, amount))
        for basis, members, amount in sums(with_items, item.price_basis):
            figures.append(('rule', basis or '', members, amount))
        return [{
                'run': run.id, 'kind': kind, 'name': name,
                'members': members, 'amount': run.currency.round(amount),
                } for kind, name, members, amount in figures]


class BillingChange(ModelSQL, ModelView):
    "Billing Change"
    __name__ = 'kontingent.billing.change'

    run = fields.Many2One(
        'kontingent.billing.run', "Run", required=True, ondelete='CASCADE')
    kind = fields.Selection([
            ('new', "New"),
            ('gone', "No Longer Billed"),
            ('price', "Price Changed"),
            ], "Change", required=True, sort=False)
    membership = fields.Many2One(
        'kontingent.membership', "Membership", required=True,
        ondelete='CASCADE')
    member = fields.Many2One(
        'party.party', "Member", required=True, ondelete='CASCADE')
    previous_amount = fields.Numeric("Previous Amount", digits=(16, 2))
    amount = fields.Numeric("Amount", digits=(16, 2))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('run')
        cls._order = [
            ('run', 'ASC'),
            ('kind', 'ASC'),
            ('id', 'ASC'),
            ]

    @classmethod
    def compute(cls, run, previous):
        """Return the values of the changes from the billed lines of the
        previous run: new memberships, those no longer billed and changed
        prices"""
        pool = Pool()
        Line = pool.get('kontingent.billing.line')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()

        def amounts(run_id, states):
            cursor.execute(*line.select(
                    line.membership, line.member, line.amount,
                    where=(line.run == run_id) & line.state.in_(states)))
            return {m: (p, Decimal(str(a or 0))) for m, p, a in cursor}

        before = amounts(previous.id, ['billed'])
        now = amounts(run.id, ['to_bill', 'billed'])
        changes = []
        for membership, (member, amount) in now.items():
            if membership not in before:
                changes.append({'kind': 'new', 'membership': membership,
                        'member': member, 'amount': amount})
            elif before[membership][1] != amount:
                changes.append({'kind': 'price', 'membership': membership,
                        'member': member, 'amount': amount,
                        'previous_amount': before[membership][1]})
        for membership, (member, amount) in before.items():
            if membership not in now:
                changes.append({'kind': 'gone', 'membership': membership,
                        'member': member, 'previous_amount': amount})
        for change in changes:
            change['run'] = run.id
        return changes
