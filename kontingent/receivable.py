# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The receivables overview (reskontro): what members owe, as of a date.

Each claim (a posted or paid invoice of a unit) is read from its receivable
move lines as they stood on the date of the context: what was still open
then, when it fell due and when it was last paid.  The overviews per payer
and per unit sum the claims with their ageing, as Tryton's aged balance
does for any party.  Everything is one SQL query, so the overviews stay
fast on hundreds of thousands of invoices.
"""
import datetime

from sql import Literal, Null, Union
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

STATUSES = [
    ('paid', "Paid"),
    ('partly_paid', "Partly Paid"),
    ('unpaid', "Unpaid"),
    ('overdue', "Overdue"),
    ]
# Ageing buckets: (name, days overdue from, to), open-ended last
BUCKETS = [
    ('overdue_0_30', 0, 30),
    ('overdue_31_60', 31, 60),
    ('overdue_61_90', 61, 90),
    ('overdue_91', 91, None),
    ]


def as_of_date():
    "Return the date of the context, or today"
    date = Transaction().context.get('date')
    if not date:
        date = Pool().get('ir.date').today()
    return date


class ReceivableContext(ModelView):
    "Receivables Context"
    __name__ = 'kontingent.receivable.context'

    company = fields.Many2One('company.company', "Company", required=True)
    date = fields.Date(
        "As of", required=True,
        help="Show what was open, paid and overdue on this date.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()


class ClaimAmounts:
    "What was claimed and what is open, in the company's currency"
    __slots__ = ()

    company = fields.Many2One('company.company', "Company", readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')
    amount = Monetary(
        "Invoiced", currency='currency', digits='currency', readonly=True)
    balance = Monetary(
        "Balance", currency='currency', digits='currency', readonly=True,
        help="What is still to pay.")
    last_payment_date = fields.Date("Last Payment", readonly=True)

    def get_currency(self, name):
        return self.company.currency.id



class AgeingMixin(ClaimAmounts):
    "The claims of an overview summed, and their balance by age"
    __slots__ = ()

    invoices = fields.Integer("Invoices", readonly=True)
    not_due = Monetary(
        "Not Due", currency='currency', digits='currency', readonly=True)
    overdue_0_30 = Monetary(
        "0–30 Days", currency='currency', digits='currency', readonly=True,
        help="Overdue by 30 days or less.")
    overdue_31_60 = Monetary(
        "31–60 Days", currency='currency', digits='currency', readonly=True)
    overdue_61_90 = Monetary(
        "61–90 Days", currency='currency', digits='currency', readonly=True)
    overdue_91 = Monetary(
        "Over 90 Days", currency='currency', digits='currency',
        readonly=True)

    @classmethod
    def aggregate(cls, key):
        "Return the claims of the context summed by the column key"
        claim = Pool().get('kontingent.receivable').table_query()
        buckets = [
            getattr(cls, name).sql_cast(
                Sum(Case((claim.bucket == name, claim.balance), else_=0))
                ).as_(name)
            for name, _, _ in BUCKETS]
        return claim.select(
            getattr(claim, key).as_('id'),
            getattr(claim, key).as_(key),
            claim.company.as_('company'),
            Count(claim.id).as_('invoices'),
            cls.amount.sql_cast(Sum(claim.amount)).as_('amount'),
            cls.balance.sql_cast(Sum(claim.balance)).as_('balance'),
            cls.not_due.sql_cast(
                Sum(Case((claim.bucket == Null, claim.balance), else_=0))
                ).as_('not_due'),
            *buckets,
            Max(claim.last_payment_date).as_('last_payment_date'),
            group_by=[getattr(claim, key), claim.company])


class Receivable(ClaimAmounts, ModelSQL, ModelView):
    "Receivable"
    __name__ = 'kontingent.receivable'

    invoice = fields.Many2One('account.invoice', "Invoice", readonly=True)
    party = fields.Many2One(
        'party.party', "Payer", readonly=True,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    unit = fields.Many2One('kontingent.unit', "Unit", readonly=True)
    invoice_date = fields.Date("Invoice Date", readonly=True)
    due_date = fields.Date("Due Date", readonly=True)
    status = fields.Selection(STATUSES, "Status", readonly=True)
    bucket = fields.Selection([(None, "")] + [
            (name, f"{start}–{end}" if end else f"{start}+")
            for name, start, end in BUCKETS], "Days Overdue", readonly=True,
        sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('due_date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def claim_lines(cls, date):
        """Return the query of the receivable lines of the claims with
        what was open of each on date: the invoice's own lines and the
        part payments added to it"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        MoveLine = pool.get('account.move.line')
        Move = pool.get('account.move')
        Reconciliation = pool.get('account.move.reconciliation')
        PaymentLine = pool.get('account.invoice-account.move.line')
        invoice = Invoice.__table__()
        line = MoveLine.__table__()
        payment_line = MoveLine.__table__()
        payment_move = Move.__table__()
        reconciliation = Reconciliation.__table__()
        payment_reconciliation = Reconciliation.__table__()
        relation = PaymentLine.__table__()

        open_ = (line.reconciliation == Null) | (reconciliation.date > date)
        claimed = (invoice.join(line,
                condition=(invoice.move == line.move)
                & (invoice.account == line.account))
            .join(reconciliation, 'LEFT',
                condition=line.reconciliation == reconciliation.id)
            .select(
                invoice.id.as_('invoice'),
                (line.debit - line.credit).as_('amount'),
                Case((open_, line.debit - line.credit), else_=0
                    ).as_('balance'),
                line.maturity_date.as_('maturity_date'),
                Case((~open_, reconciliation.date), else_=Null
                    ).as_('paid_date'),
                where=(invoice.type == 'out')
                & (invoice.kontingent_unit != Null)
                & invoice.state.in_(['posted', 'paid'])))
        payment_open = (
            (payment_line.reconciliation == Null)
            | (payment_reconciliation.date > date))
        paid = (relation.join(payment_line,
                condition=relation.line == payment_line.id)
            .join(payment_move,
                condition=payment_line.move == payment_move.id)
            .join(payment_reconciliation, 'LEFT',
                condition=(payment_line.reconciliation
                    == payment_reconciliation.id))
            .select(
                relation.invoice.as_('invoice'),
                Literal(0).as_('amount'),
                Case((payment_open,
                        payment_line.debit - payment_line.credit),
                    else_=0).as_('balance'),
                Literal(None).as_('maturity_date'),
                payment_move.date.as_('paid_date'),
                where=payment_move.date <= date))
        return Union(claimed, paid, all_=True)

    @classmethod
    def table_query(cls):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        invoice = Invoice.__table__()
        context = Transaction().context
        date = as_of_date()
        lines = cls.claim_lines(date)
        claim = lines.select(
            lines.invoice,
            Sum(lines.amount).as_('amount'),
            Sum(lines.balance).as_('balance'),
            Min(lines.maturity_date).as_('due_date'),
            Max(lines.paid_date).as_('last_payment_date'),
            group_by=[lines.invoice])
        due_date = claim.due_date
        is_open = claim.balance > 0
        overdue = is_open & (due_date < date)
        status = Case(
            (~is_open, 'paid'),
            (overdue, 'overdue'),
            (claim.balance < claim.amount, 'partly_paid'),
            else_='unpaid')
        ageing = [
            (overdue & (due_date <= date - datetime.timedelta(days=start)),
                name)
            for name, start, _ in reversed(BUCKETS[1:])]
        ageing.append((overdue, BUCKETS[0][0]))
        where = invoice.company == context.get('company', -1)
        return invoice.join(claim, condition=claim.invoice == invoice.id
            ).select(
                invoice.id.as_('id'),
                invoice.id.as_('invoice'),
                invoice.company.as_('company'),
                invoice.party.as_('party'),
                invoice.kontingent_unit.as_('unit'),
                invoice.invoice_date.as_('invoice_date'),
                due_date.as_('due_date'),
                cls.amount.sql_cast(claim.amount).as_('amount'),
                cls.balance.sql_cast(claim.balance).as_('balance'),
                # PostgreSQL can not type the literals of a subquery
                cls.status.sql_cast(status).as_('status'),
                cls.bucket.sql_cast(Case(*ageing, else_=Null)).as_('bucket'),
                claim.last_payment_date.as_('last_payment_date'),
                where=where)


class ReceivableParty(AgeingMixin, ModelSQL, ModelView):
    "Receivables per Payer"
    __name__ = 'kontingent.receivable.party'

    party = fields.Many2One(
        'party.party', "Payer", readonly=True,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('balance', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        return cls.aggregate('party')


class ReceivableUnit(AgeingMixin, ModelSQL, ModelView):
    "Receivables per Unit"
    __name__ = 'kontingent.receivable.unit'

    unit = fields.Many2One('kontingent.unit', "Unit", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('unit', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        return cls.aggregate('unit')
