# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from sql import Literal
from sql.conditionals import Coalesce
from sql.operators import Exists

from trytond import backend
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from . import reminder_law
from .exceptions import ReminderProcedureError
from .posting import post_moves


class Procedure(metaclass=PoolMeta):
    __name__ = 'account.dunning.procedure'

    legal_regime = fields.Selection([
            (None, ""),
            (reminder_law.NORWAY, "Norway"),
            (reminder_law.DENMARK, "Denmark"),
            ], "Legal Regime",
        help="The country whose law limits the days, fees and number "
        "of reminders; a procedure breaking a limit is refused.")
    fee_cap = fields.Numeric(
        "Fee Cap", digits=(16, 2),
        states={
            'invisible': ~Eval('legal_regime'),
            'required': Bool(Eval('legal_regime')),
            },
        help="The highest reminder fee the law allows "
        "(Norway: 1/20 of the inkassosats; Denmark: renteloven § 9 b).")

    @fields.depends('legal_regime', 'fee_cap')
    def on_change_legal_regime(self):
        self.fee_cap = reminder_law.DEFAULT_FEE_CAP.get(self.legal_regime)

    @classmethod
    def validate(cls, procedures):
        super().validate(procedures)
        for procedure in procedures:
            procedure.check_legal_limits()

    def check_legal_limits(self):
        levels = list(self.levels)
        terms = [level.legal_terms(i) for i, level in enumerate(levels)]
        for violation in reminder_law.violations(
                self.legal_regime, terms, self.fee_cap):
            level = (levels[violation.level].rec_name
                if violation.level is not None else '')
            raise ReminderProcedureError(gettext(
                    'kontingent.msg_reminder_law_%s' % violation.rule,
                    procedure=self.rec_name, level=level,
                    limit=violation.limit))
        for level in levels:
            if (self.legal_regime and level.fee
                    and level.fee.compute_method != 'list_price'):
                raise ReminderProcedureError(gettext(
                        'kontingent.msg_reminder_law_fee_fixed',
                        procedure=self.rec_name, level=level.rec_name))


class Level(metaclass=PoolMeta):
    __name__ = 'account.dunning.level'

    reminder_kind = fields.Selection([
            (reminder_law.REMINDER, "Reminder"),
            (reminder_law.COLLECTION_WARNING, "Debt Collection Warning"),
            (reminder_law.HAND_OVER, "Hand-over to Debt Collection"),
            (reminder_law.ASSOCIATION, "Hand-over to the Association"),
            ], "Kind", required=True, sort=False,
        help="A hand-over level lists the claims for the debt collection "
        "agency or the association and sends no letter to the member.")
    interval = fields.TimeDelta(
        "After Previous Level",
        help="The least time since the previous level's letter; "
        "leave empty on the first level.")
    payment_days = fields.Integer(
        "Days to Pay", required=True,
        help="The payment deadline printed on the letter.")
    letter_text = fields.Text(
        "Letter Text", translate=True,
        help="Printed above the claims; the debt collection warning "
        "needs the wording the law asks for.")
    suspend_membership = fields.Boolean(
        "Suspend Membership",
        help="Suspend the memberships billed on the claims; "
        "they are reactivated when the claims are paid.")
    attach_copies = fields.Boolean(
        "Attach Invoice Copies",
        help="Send copies of the overdue invoices with the letter.")

    @classmethod
    def default_reminder_kind(cls):
        return reminder_law.REMINDER

    @classmethod
    def default_payment_days(cls):
        return 14

    @classmethod
    def validate(cls, levels):
        super().validate(levels)
        for procedure in {l.procedure for l in levels}:
            procedure.check_legal_limits()

    @property
    def fee_amount(self):
        "The fixed fee of the level, 0 for none"
        if self.fee and self.fee.compute_method == 'list_price':
            return self.fee.product.list_price_used or Decimal(0)
        return Decimal(0)

    def legal_terms(self, index):
        if index:
            delay = self.interval
        else:
            delay = self.overdue
        return reminder_law.LevelTerms(
            kind=self.reminder_kind,
            days=delay.days if delay is not None else 0,
            fee=self.fee_amount,
            has_text=bool((self.letter_text or '').strip()),
            payment_days=self.payment_days or 0)

    def test(self, line, date):
        if line.reminder_hold:
            return False
        if self.overdue is not None and not super().test(line, date):
            return False
        if self.interval is not None:
            previous = line.dunnings[0] if line.dunnings else None
            if not previous or not previous.date:
                return False
            return date - previous.date >= self.interval
        return self.overdue is not None


class Dunning(metaclass=PoolMeta):
    __name__ = 'account.dunning'

    reminder = fields.Many2One(
        'kontingent.reminder', "Reminder", readonly=True,
        ondelete='SET NULL',
        help="The last letter to the payer that covered this claim.")

    @classmethod
    def _overdue_line_domain(cls, date):
        return super()._overdue_line_domain(date) + [
            ('reminder_hold', '=', False),
            ]

    @classmethod
    def process(cls, dunnings):
        """Charge the level's fee once per letter: on the first claim of
        each reminder, not on every claim it covers"""
        pool = Pool()
        Date = pool.get('ir.date')
        carriers = set()
        letters = {}
        for dunning in dunnings:
            letter = dunning.reminder
            if letter is None:
                carriers.add(dunning)
            elif dunning.level == letter.level and letter not in letters:
                letters[letter] = dunning
                carriers.add(dunning)
        # Read each fee's price once, not once per claim
        prices = {}
        for dunning in carriers:
            fee = dunning.level.fee
            if fee and (fee.id, dunning.company.id) not in prices:
                prices[(fee.id, dunning.company.id)] = fee.get_list_price(
                    dunning)
        with Transaction().set_context(reminder_fee_prices=prices):
            super().process([d for d in dunnings if d in carriers])
        # account_dunning_fee charges every dunning it processes: the other
        # claims of a letter get the plain account_dunning processing
        others = [d for d in dunnings
            if d not in carriers and not d.blocked and d.state == 'draft']
        for company in {d.company for d in others}:
            with Transaction().set_context(company=company.id):
                today = Date.today()
            cls.write([d for d in others if d.company == company], {
                    'state': 'waiting',
                    'date': today,
                    })


class Fee(metaclass=PoolMeta):
    __name__ = 'account.dunning.fee'

    def get_list_price(self, dunning):
        prices = Transaction().context.get('reminder_fee_prices') or {}
        key = (self.id, dunning.company.id)
        if key in prices:
            return prices[key]
        return super().get_list_price(dunning)


class FeeDunningLevel(metaclass=PoolMeta):
    __name__ = 'account.dunning.fee.dunning_level'

    @classmethod
    def process(cls, fees):
        """Post the fee moves of a reminder run in bulk when they are of the
        simple shape: an amount in the company currency, without triggers
        on moves; Tryton reconciles the lines of a zero fee at once"""
        pool = Pool()
        Date = pool.get('ir.date')
        Trigger = pool.get('ir.trigger')
        companies = {f.dunning.company for f in fees}
        if (not Transaction().context.get('reminder_date')
                or len(companies) != 1
                or any(Trigger.get_triggers(name, 'create')
                    for name in ['account.move', 'account.move.line'])
                or any(f.currency != f.dunning.company.currency
                    or not f.amount for f in fees)):
            return super().process(fees)
        company, = companies
        with Transaction().set_context(company=company.id):
            today = Date.today()
            post_moves(company, cls.fee_moves(fees, today), today)

    @classmethod
    def fee_moves(cls, fees, date):
        """Build in memory the moves get_move_process builds, reading the
        claims' accounts and payers in one query and each fee once"""
        pool = Pool()
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        Dunning = pool.get('account.dunning')
        Period = pool.get('account.period')
        dunning = Dunning.__table__()
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        claims = {}
        for sub_ids in grouped_slice(
                [f.dunning.id for f in fees], backend.MAX_QUERY_PARAMS):
            cursor.execute(*dunning.join(line,
                    condition=dunning.line == line.id
                    ).select(dunning.id, line.account, line.party,
                    where=fields.SQL_OPERATORS['in'](
                        dunning.id, list(sub_ids))))
            claims.update((d, (a, p)) for d, a, p in cursor)
        company = fees[0].dunning.company
        period = Period.find(company, date=date)
        revenue = {}
        moves = []
        for fee in fees:
            level_fee = fee.level.fee
            if level_fee.id not in revenue:
                revenue[level_fee.id] = (
                    level_fee.product.account_revenue_used)
            account, party = claims[fee.dunning.id]
            counterpart = revenue[level_fee.id]
            moves.append(Move(
                    company=company, journal=level_fee.journal, date=date,
                    period=period, origin=fee, description=level_fee.name,
                    lines=[
                        Line(debit=fee.amount, account=account, party=party),
                        Line(credit=fee.amount, account=counterpart,
                            party=(party if counterpart.party_required
                                else None)),
                        ]))
        return moves


class Date(metaclass=PoolMeta):
    __name__ = 'ir.date'

    @classmethod
    def today(cls, timezone=None):
        """The date of the reminder run being prepared or sent: Tryton's
        dunnings and fee moves take their date from today"""
        return (Transaction().context.get('reminder_date')
            or super().today(timezone=timezone))


class MoveLine(metaclass=PoolMeta):
    __name__ = 'account.move.line'

    reminder_hold = fields.Function(
        fields.Boolean(
            "Reminder Hold",
            help="No reminder while a collection by AvtaleGiro, "
            "Betalingsservice, card or payroll is pending for the claim, "
            "or while a payment of the payer waits in the unmatched "
            "queue."),
        'get_reminder_hold', searcher='search_reminder_hold')

    @property
    def dunning_procedure(self):
        invoice = self.move.origin if self.move else None
        if (isinstance(invoice, Pool().get('account.invoice'))
                and invoice.kontingent_unit):
            for unit in invoice.kontingent_unit.lineage:
                if unit.dunning_procedure:
                    return unit.dunning_procedure
        return super().dunning_procedure

    @classmethod
    def _reminder_hold_query(cls):
        "Return a query of the ids of the receivable lines held"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Unmatched = pool.get('kontingent.payment.unmatched')
        line = cls.__table__()
        invoice = Invoice.__table__()
        unmatched = Unmatched.__table__()

        waiting = unmatched.select(Literal(1),
            where=(unmatched.state == 'open')
            & ((unmatched.party == line.party)
                | ((unmatched.kid == invoice.kontingent_kid)
                    & (unmatched.company == invoice.company))))
        return (line
            .join(invoice, type_='LEFT', condition=invoice.move == line.move)
            .select(line.id.as_('id'),
                where=(Coalesce(invoice.collection_pending, False)
                    == Literal(True))
                | Exists(waiting)))

    @classmethod
    def get_reminder_hold(cls, lines, name):
        cursor = Transaction().connection.cursor()
        held = set()
        query = cls._reminder_hold_query()
        for sub_ids in grouped_slice(
                [l.id for l in lines], backend.MAX_QUERY_PARAMS):
            cursor.execute(*query.select(query.id,
                    where=fields.SQL_OPERATORS['in'](query.id, list(sub_ids))))
            held.update(i for i, in cursor)
        return {l.id: l.id in held for l in lines}

    @classmethod
    def search_reminder_hold(cls, name, clause):
        _, operator, value = clause
        held = cls._reminder_hold_query()
        if (operator == '=') == bool(value):
            return [('id', 'in', held)]
        return [('id', 'not in', held)]


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    collection_pending = fields.Boolean(
        "Collection Pending", readonly=True,
        states={
            'invisible': ~Eval('collection_pending'),
            },
        help="A direct debit, card or payroll collection of this claim "
        "is under way: no reminder is sent for it.")
    handed_over = fields.Date(
        "Handed Over", readonly=True,
        states={
            'invisible': ~Eval('handed_over'),
            },
        help="When the claim was handed over to debt collection "
        "or to the association.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Both follow the claim's collection after it is posted
        cls._check_modify_exclude |= {'collection_pending', 'handed_over'}

    @classmethod
    def paid(cls, invoices):
        pool = Pool()
        Reminder = pool.get('kontingent.reminder')
        super().paid(invoices)
        Reminder.reactivate_paid(invoices)

    @classmethod
    def copy(cls, invoices, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('collection_pending')
        default.setdefault('handed_over')
        return super().copy(invoices, default=default)


class Unit(metaclass=PoolMeta):
    __name__ = 'kontingent.unit'

    dunning_procedure = fields.Many2One(
        'account.dunning.procedure', "Reminder Procedure",
        ondelete='RESTRICT',
        help="Reminds the overdue claims paid to this unit and the units "
        "below it that have no procedure of their own.")
